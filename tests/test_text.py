"""Vietnamese normalisation, folding, sentence splitting and language detection."""

import unicodedata

from rag.text import detect_language, fold, folded_syllables, is_stopword, normalize, query_terms, split_sentences


def test_tone_placements_become_one_form():
    assert normalize("hoà") == normalize("hòa")
    assert normalize("thuỷ") == normalize("thủy")
    assert normalize("Hoà Bình") == "Hòa Bình"


def test_nfd_input_is_composed():
    nfd = unicodedata.normalize("NFD", "Giám đốc Công an")
    assert nfd != "Giám đốc Công an"
    assert normalize(nfd) == "Giám đốc Công an"


def test_normalize_keeps_length_and_leaves_other_words_alone():
    text = "Người dân, quả, già, khuỷu tay, nghiêng, Quý, TOÁN học, 2.000 và 17,1%."
    assert normalize(text) == text
    assert len(normalize("hoà thuỷ")) == len("hoà thuỷ")


def test_fold_strips_all_diacritics():
    assert fold("Đại tướng Lương Tam Quang") == "Dai tuong Luong Tam Quang"
    assert folded_syllables("Giám đốc Công an TP.Hải Phòng") == ["giam", "doc", "cong", "an", "thanh", "pho", "hai", "phong"]  # TP written out


def test_abbreviations_and_numbers_do_not_split_sentences():
    text = ("Sáng 15/12, Công an TP. Hải Phòng đã ra quân. Tp. Hà Nội có 2.000 người, tăng 17,1% "
            "so với ngày 1.8 năm trước. Ông Nguyễn V. An phát biểu! Hỏi gì?")
    got = [s.text for s in split_sentences(text)]
    assert got == [
        "Sáng 15/12, Công an TP. Hải Phòng đã ra quân.",
        "Tp. Hà Nội có 2.000 người, tăng 17,1% so với ngày 1.8 năm trước.",
        "Ông Nguyễn V. An phát biểu!",
        "Hỏi gì?",
    ]


def test_sentence_spans_index_the_text():
    text = "Câu một.  Câu hai?\n\nĐoạn mới: câu ba."
    for s in split_sentences(text):
        assert text[s.start:s.end] == s.text
    assert len(split_sentences(text)) == 3


def test_language_detection():
    assert detect_language("Ai là Giám đốc Công an TP Hải Phòng?") == "vi"
    assert detect_language("ai la giam doc cong an tp hai phong") == "vi"
    assert detect_language("Who leads Hai Phong police?") == "en"
    assert detect_language("How many people attended the ceremony?") == "en"


def test_joined_names_get_the_corpus_spelling():
    from rag.lexical import LexicalIndex

    index = LexicalIndex.build(["Công an TP Hà Nội ra quân.", "Thành phố Hải Phòng."])
    assert index.spell_names("Who leads Hanoi police?") == "Who leads Hà Nội police?"
    assert index.spell_names("And Haiphong?") == "And Hải Phòng?"
    assert index.spell_names("hanoi") == "hanoi"  # only capitalised names are respelled


def test_bigrams_tell_places_apart_from_names():
    from rag.lexical import LexicalIndex

    index = LexicalIndex.build(["Trung tướng Nguyễn Hải Trung phát biểu.", "Công an TP Hải Phòng ra quân."])
    scores = index.score("Công an Hải Phòng")
    assert scores.accented[1] > scores.accented[0] and scores.folded[1] > scores.folded[0]
    assert index.score("cong an hai phong").folded.argmax() == 1


def test_how_long_looks_up_no_long():
    """ "long" in "How long …" asks a duration; folded, it would find "lòng" and every "Long" place."""
    from rag.lexical import LexicalIndex
    from rag.question import parse_question

    index = LexicalIndex.build(["Người dân Long An rất vui lòng.", "Ca phẫu thuật kéo dài 4 tiếng."])
    question = parse_question("How long did the surgery last?")
    assert "long" not in index.term_weights(question)[0]
    assert not index.score(question).folded[0] and not index.score(question).accented[0]
    assert "long" in index.term_weights(parse_question("Who leads Long An police?"))[0]


def test_every_spelling_of_a_plain_syllable_folds_back_to_it():
    from rag.diacritics import spellings

    for plain, expected in [("cong", "công"), ("doc", "đốc"), ("phong", "phòng"), ("nguyen", "nguyễn"), ("hoa", "hòa")]:
        found = spellings(plain)
        assert expected in found and plain in found
        assert all(fold(s) == plain and normalize(s) == s for s in found)
    assert spellings("2015") == ("2015",) and spellings("panthers") == ("panthers",)


def test_diacritics_are_restored_from_the_index_words():
    """The pair the index writes decides between syllables it writes alone ("hai" → "hải" before
    "phòng", "hai" after "thứ"); words it never writes accented stay as typed."""
    from rag.lexical import LexicalIndex
    from rag.lexical_set import SegmentedLexical
    from rag.diacritics import restore_diacritics

    texts = ["Công an TP Hải Phòng ra quân.", "Hai đơn vị công an.", "Ngày thứ hai, Hai Bà Trưng.",
             "Giám đốc Công an Hải Phòng."]
    lexical = SegmentedLexical([(LexicalIndex.build(texts), 0, None)])
    df = lambda terms: {t: lexical.df(t, "accented") for t in terms}  # noqa: E731
    assert restore_diacritics("giam doc cong an hai phong?", df) == "giám đốc công an hải phòng?"
    assert restore_diacritics("Thu hai, UBND Panthers 2015", df) == "Thứ hai, UBND Panthers 2015"


def test_stopwords_are_judged_as_written():
    """Folded, "dược" (pharmacy) is "được", "tử" (death) is "từ" and "đầu" is "đâu": with
    diacritics only the function word is left out of a query; without them either may be meant."""
    assert [is_stopword(w) for w in ["được", "dược", "từ", "tử", "đâu", "đầu", "duoc", "tu"]] == \
        [True, False, True, False, True, False, True, True]
    assert query_terms(["công", "ty", "dược", "nào", "được", "đầu", "tư"]) == \
        ["công", "ty", "dược", "đầu", "tư", "côngty", "tydược", "dượcđầu", "đầutư"]
