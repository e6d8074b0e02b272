"""Vietnamese normalisation, folding, sentence splitting and language detection."""

import unicodedata

from rag.text import detect_language, fold, folded_syllables, normalize, split_sentences


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
