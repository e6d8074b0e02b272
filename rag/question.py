"""A question parsed once: the one value that flows through retrieval and answering.

Before, the question string was normalised, folded, split and typed again in lexical search, in
the requirements and in the answerer, each with its own idea of a word. `parse_question` does it
once; every later step reads the same `Question`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rag.glossary import english_which_noun
from rag.text import (EXPANSIONS, STOPWORDS, detect_language, fold, foreign_language, has_diacritics, is_stopword,
                      normalize)

_WORD = re.compile(r"\w+")

# "What was the crime reduction rate …?": a percentage asked (rag/support.py reads the same).
RATE_QUESTION = r"what (?:is|was|are|were) the (?:[\w'-]+ ){0,4}?(?:rate|percentage|proportion)|what (?:share|proportion|percent)"
# What the question asks for, read on its folded words, in the language it is written in: a
# Vietnamese question's "WHO" is the health organisation and its "Doctor Who" a series, an
# English question's "AI" is artificial intelligence; neither asks for a person.
QUESTION_KINDS = {
    "en": {
        "person": re.compile(r"\b(who|whom|whose)\b"),
        "number": re.compile(rf"\b(how many|how much|what percentage|{RATE_QUESTION})\b"),
        "date": re.compile(r"\b(when|what year|what dates?|which dates?|which year|what month|which month|what day|which day|what time)\b"),
        "place": re.compile(r"\bwhere\b"),
        "rank": re.compile(r"\b(?:what|which) (?:is the )?(?:military |police )?rank\b"),
        # "How long did the surgery last?"; not "How long is the river?" (a length).
        "duration": re.compile(r"\bhow long\b(?=.*\b(?:last|lasts|lasted|take|takes|took|spend|spent|stay|stayed|"
                               r"serve|served|wait|waited|remain|remained|survive|survived)\b)"),
        # What a named person is: "What position does _ hold?", "What is _'s title?" (names blanked).
        "role": re.compile(r"\bwhat (?:position|post|title|role|job|office)s? (?:does|did|do) (?:_ )+(?:hold|have)\b|"
                           r"\bwhat (?:is|was|are|were) (?:_ )+s (?:position|post|title|role|job|office)s?\b"),
    },
    "vi": {
        # "Cục trưởng Cục Y tế dự phòng tên là gì?": a person's name asked by what they are.
        "person": re.compile(r"\bai\b|\b(?:nguoi|ong|ba|anh|chi|bac si|benh nhan|benh nhi|nguoi benh|nan nhan|chau|be|tai xe|"
                             r"hoc sinh|nghi pham|doi tuong|giam doc|chu tich|bi thu|truong|"
                             r"tac gia|chuyen gia|sinh vien|nam sinh|nu sinh|cong nhan|nong dan|phu nu|san phu|thai phu|"
                             r"cu ong|cu ba|con trai|con gai|vo|chong|giao vien|dieu duong|y ta|chien si|can bo|nhan vien|"
                             r"chu)\b.*\bten (?:la )?gi\b"),
        "number": re.compile(r"\b(?:bao nhieu|(?<!ngay )(?<!thang )(?<!nam )mấy(?! gio\b))\b"),
        "date": re.compile(r"\b(khi nao|bao gio|ngay nao|hom nao|hoi nao|nam nao|thang nao|luc nao|thoi gian nao|thoi diem nao|"
                           r"(?:ngay|thang|nam) mấy|mấy gio)\b"),
        "place": re.compile(r"\b(o dau|tai dau|noi nao|cho nao)\b"),
        "rank": re.compile(r"\b(?:(?:cap bac|quan ham|quan hàm|hàm) (?:gi|nao)|(?:cap bac|quan ham|quan hàm) .*\bla gi)\b"),
        "role": re.compile(r"\b(?:(?:chuc vu|chuc danh|cuong vi) (?:gi|nao)|(?:chuc vu|chuc danh|cuong vi) .*\bla gi)\b"),
        "duration": re.compile(r"\bbao lau\b"),
    },
}
# "Which minister …?", "Bộ trưởng nào …?": one person asked by what they are (not "which
# scientists", "nhóm người nào": a group). Folded, "vị nào" is also "đơn vị nào" (which unit)
# and "tướng nào" "tường nào" (which wall): not listed. Read with names left in, as such titles are
# capitalised ("Which Vice Chairman …").
WHICH_PERSON = {
    "en": re.compile(r"\b(?:which|what) (?:vice |deputy |police )?(?:minister|chairman|chairwoman|director|secretary|"
                     r"president|official|officer|general|colonel|commander|leader|governor|mayor|player|person|"
                     r"king|queen|emperor|scientist|author|composer|architect|politician|doctor|physician|surgeon|"
                     r"nurse|lecturer|professor|expert|specialist|spokesman|spokeswoman|spokesperson|manager)\b"),
    "vi": re.compile(r"(?<!nhom )(?<!cac )(?<!nhung )\b(?:nguoi|cau thu|bo truong|thu truong|giam doc|bac si|vua|"
                     r"hoang de|tac gia|nha khoa hoc) nao\b"),
}
# A title typed as a search ("Phó Giám đốc Công an tỉnh Hà Giang", "Cục trưởng Cục Quản lý Khám,
# chữa bệnh") or with "tên gì" after it ("Phó Giám đốc Bệnh viện … tên gì"): its holder is asked.
# Read on the folded words with names left in, as titles are capitalised; a search that asks
# something else ("Giám đốc … nói gì", "… nào") is none.
# Titles a "who" question asks for (folded syllables), longest first so "tong bi thu" wins
# (rag/support.py reads them in the question and in the quotes).
TITLES = sorted([("giam", "doc"), ("chu", "tich"), ("bi", "thu"), ("tong", "bi", "thu"), ("bo", "truong"),
                 ("thu", "truong"), ("thu", "tuong"), ("tu", "lenh"), ("chanh", "an"), ("vien", "truong"),
                 ("truong", "doan"), ("truong", "ban"), ("truong", "phong"), ("tong", "giam", "doc"),
                 ("truong", "khoa"), ("cuc", "truong"), ("hieu", "truong"), ("truong", "tram")],
                key=len, reverse=True)
# … and heads of a post a search may also name ("Trưởng công an xã", "Trưởng trại giam").
_SEARCHED_TITLES = [("truong", "cong", "an"), ("truong", "trai"), ("truong", "dai")]
_TITLE = "(?:pho )?(?:" + "|".join(" ".join(t) for t in sorted(TITLES + _SEARCHED_TITLES, key=len, reverse=True)) + ")"
TITLE_SEARCH = re.compile(rf"^{_TITLE}\b(?!.*\b(?:nao|gi|sao)\b)")
TITLE_NAME_ASKED = re.compile(rf"\b{_TITLE}\b.*\b(ten (?:la )?gi)\b")
QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "ai", "gi", "nao",
                  "sao", "dau", "bao", "nhieu", "khong", "chua", "tell", "list", "explain", "describe", "name"}
# What "how" asks the measure of in English ("how long", "how far"): a question word, not content.
HOW_MEASURES = {"long", "far", "old", "often", "big", "large", "tall", "high", "deep", "wide", "soon", "late", "early"}
# Greetings, thanks and politeness (folded): a question of these alone asks the articles nothing.
SMALL_TALK = {"hello", "hi", "hey", "thanks", "thank", "you", "please", "good", "morning", "afternoon",
              "evening", "night", "bye", "goodbye", "ok", "okay", "xin", "chao", "cam", "on", "tam", "biet",
              "ban", "oi", "nhe", "nha", "alo", "anh", "chi", "em", "toi", "minh", "yes", "no", "vang", "da",
              # "Hi there, how are you today?", "What's up?", "Chào bạn, hôm nay bạn khỏe không?"
              "there", "today", "going", "doing", "up", "s", "whats", "sup", "yo", "fine", "nice", "meet",
              "khoe", "hom", "nay", "vui", "gap", "cau", "rat"}


@dataclass(frozen=True)
class Word:
    """One syllable of the question, folded, and how it was written."""

    syllable: str
    capital: bool        # capitalised and not the question's first word
    after_break: bool    # punctuation stands before it ("Tesla, Lane")
    written: str = ""    # as the question writes it ("Nẵng")

    @property
    def stopword(self) -> bool:
        """A question or function word as written: "tử" (death) is none, "từ" (from) is."""
        return is_stopword(self.written.lower()) if self.written else self.syllable in STOPWORDS


@dataclass(frozen=True)
class Question:
    """The question as every step needs it."""

    text: str                   # normalised (NFC, one tone placement), spaces collapsed
    language: str               # "vi" or "en": the language of the answer
    foreign: str                # "" or the other language it is written in (answered with "the articles don't say")
    words: tuple[Word, ...]     # syllables, abbreviations written out ("TP" → "thành phố")
    kind: str | None            # person, number, date, place, rank, role, duration or which, when the question says
    restored: str = ""          # typed without diacritics: the text with them put back from the
                                # index's own words (retrieval fills it in); what the encoder reads
    translated: str = ""        # an English question in Vietnamese, by the configured LLM
                                # (rag/translation.py); the encoder reads it beside the question
    written_in: str = "vi"      # "vi" or "en": the language of its words (`language` may differ)

    @property
    def encoded(self) -> str:
        """The question as the embedding model reads it."""
        return self.restored or self.text

    @property
    def encoder_texts(self) -> list[str]:
        """What the embedding model reads: the question, and its translation when there is one
        (the query vector is their normalised sum, rag/retrieval.py)."""
        return [self.encoded] + ([self.translated] if self.translated else [])

    @functools.cached_property
    def asked_at(self) -> int:
        """How many syllables stand before the question word ("… đến năm | nào"); all of them
        when there is none. Read on the words as searched (names respelled); computed once, as
        the span finder reads it for every quoted sentence."""
        position = question_word_position(self.words, self.written_in)
        return position[0] if position else len(self.words)

    @functools.cached_property
    def folded_text(self) -> str:
        """The folded syllables joined by spaces, for the patterns that read what is asked
        ("nam nao", "bat dau"); joined once, as the span finder reads it for every quoted sentence."""
        return " ".join(self.folded)

    @functools.cached_property
    def counted_words(self) -> tuple[Word, ...] | None:
        """The words after a Vietnamese "how many" ("bao nhiêu vụ án …", "mấy vấn đề" → vấn,
        đề): what it counts starts there, read as written ("ổ dịch" is no "ở"). None when it
        asks no count."""
        text = _kind_text(self.words)
        match = QUESTION_KINDS["vi"]["number"].search(text)
        if match is None and self.kind == "number" and self.written_in == "vi":
            match = _count_statement(self.words, text)  # "Số đội tiêm lưu động …"
            if match is None:
                return ()  # an amount typed as a search ("Tổng mức đầu tư cầu …"): nothing counted
        return None if match is None else self.words[len(text[:match.end()].split()):]

    @property
    def counted(self) -> tuple[str, ...] | None:
        """`counted_words`, folded."""
        words = self.counted_words
        return None if words is None else tuple(w.syllable for w in words)

    @functools.cached_property
    def which_noun(self) -> tuple[str, ...]:
        """For a "which" question, the folded noun before "nào" ("bệnh viện nào" → benh, vien)."""
        if self.kind != "which":
            return ()
        return which_noun(self.words) if self.written_in == "vi" else english_which_noun(self.text)

    @property
    def ordinal(self) -> bool:
        """Does it ask a place in an order ("đứng thứ mấy?", "xếp hạng bao nhiêu?"): "thứ ba",
        "thứ 139", not a count of something?"""
        return _ORDINAL_ASKED.search(self.folded_text) is not None

    @property
    def vietnamese(self) -> bool:
        return self.language == "vi"

    @property
    def accented(self) -> bool:
        return has_diacritics(self.text)

    @property
    def casual(self) -> bool:
        """Typed with no diacritics and no capitals ("giam doc cong an tp ha noi la ai")."""
        return not self.accented and not any(w.capital for w in self.words)

    @property
    def folded(self) -> list[str]:
        return [w.syllable for w in self.words]

    @functools.cached_property
    def searched(self) -> tuple[Word, ...]:
        """The words looked up in the articles: all but the measure of an English "how long",
        "how far" …, which is part of the question word ("long", folded, is "lòng" and the "Long"
        of many places)."""
        if self.written_in != "en":
            return self.words
        return tuple(w for i, w in enumerate(self.words)
                     if not (i and w.syllable in HOW_MEASURES and self.words[i - 1].syllable == "how"))

    @property
    def content(self) -> set[str]:
        """Folded syllables that are looked up and are not question or function words."""
        return {w.syllable for w in self.searched if w.syllable not in STOPWORDS}

    @property
    def asks(self) -> bool:
        """Does it read as a question: a question mark, an English question word first, or a
        Vietnamese question word anywhere ("… là ai")? "SELECT … WHERE id = 1" does not."""
        if "?" in self.text or (self.folded and self.folded[0] in QUESTION_WORDS):
            return True
        return self.vietnamese and (self.kind is not None or bool(set(self.folded) & QUESTION_WORDS))

    @property
    def small_talk_only(self) -> bool:
        """A greeting or thanks ("hello", "xin chào", "cảm ơn bạn"): nothing to look up."""
        content = self.content
        return bool(content) and content <= SMALL_TALK


def question_words(text: str) -> tuple[Word, ...]:
    """The question's syllables; an abbreviation's expansion ("TP" → "thành phố") is no name."""
    words: list[Word] = []
    text = normalize(text)
    previous_end = 0
    for i, match in enumerate(_WORD.finditer(text)):
        word = match.group(0)
        after_break = bool(text[previous_end:match.start()].strip())
        previous_end = match.end()
        expansion = EXPANSIONS.get(word.lower())
        if expansion:
            words += [Word(fold(s), False, after_break and j == 0, s) for j, s in enumerate(expansion)]
        else:
            words.append(Word(fold(word.lower()), i > 0 and word[0].isupper(), after_break, word))
    return tuple(words)


# English question words that ask for something else ("Which Vice Chairman … where …").
_OTHER_ENGLISH = re.compile(r"\b(?:which|what(?! year| date| percentage)|why|how(?! many| much))\b")


_ORDINAL_ASKED = re.compile(r"\b(?:thu|hang) (?:may|bao nhieu)\b")
# Question words read as written: folded, "mấy" (how many) is also "máy" (machine) and "mây"
# (cloud), and "hàm" (rank) is "hầm" (tunnel).
_WRITTEN_QUESTION_WORDS = {"mấy", "hàm"}


def _kind_text(words: tuple[Word, ...]) -> str:
    """The folded question with its names and acronyms blanked: "Doctor Who", "WHO" and "AI" are
    not question words."""
    shouted = all(not w.written.islower() for w in words if w.written.isalpha())
    unaccented = not any(has_diacritics(w.written) for w in words)
    return " ".join("_" if w.capital or (w.written.isupper() and len(w.written) > 1 and not shouted)
                    else w.written.lower() if w.written.lower() in _WRITTEN_QUESTION_WORDS
                    else "mấy" if unaccented and _asks_time_unaccented(words, i) else w.syllable
                    for i, w in enumerate(words))


def _asks_time_unaccented(words: tuple[Word, ...], i: int) -> bool:
    """Is "may" at `i`, in a question typed without diacritics, the "mấy" of a time or date asked
    ("luc may gio", "ngay may")? Alone it may be "máy" (a machine: "may tho")."""
    if words[i].syllable != "may":
        return False
    before = words[i - 1].syllable if i else ""
    after = words[i + 1].syllable if i + 1 < len(words) else ""
    return after == "gio" or before in ("ngay", "thang", "luc")


def question_word_position(words: tuple[Word, ...], written_in: str) -> tuple[int, str | None] | None:
    """How many syllables stand before the question word that comes first, and what it asks for:
    person, number, date, place, or None for another English question word ("Which Vice
    Chairman … where …" asks no place). None when there is no question word."""
    text = _kind_text(words)
    found = [(m.start(), kind) for kind, pattern in QUESTION_KINDS[written_in].items() for m in pattern.finditer(text)]
    if written_in == "en":
        found += [(m.start(), None) for m in _OTHER_ENGLISH.finditer(text)]
    found = [(len(text[:start].split()), kind) for start, kind in found]
    plain = " ".join(w.syllable for w in words)  # one word for each of `text`
    found += [(len(plain[:m.start()].split()), "person") for m in WHICH_PERSON[written_in].finditer(plain)]
    if written_in == "vi":
        found += [(len(plain[:m.start(1)].split()), "person") for m in TITLE_NAME_ASKED.finditer(plain)]
    if not found:
        return _statement(words, text, plain) if written_in == "vi" else None
    return min(found, key=lambda f: (f[0], f[1] is None))


# A count typed as a search rather than asked ("Số đội tiêm lưu động ở Mường Nhé", "số lượng ca
# mắc sởi"): the words after "số" are what is counted. Not "số điện thoại", nor "Số nguyên tố …
# nào?" or "Số liệu … là gì?", which ask a thing.
_COUNT_STATEMENT = re.compile(r"^(?:tong )?(?:so luong|so)(?= )(?! (?:dien thoai|hieu|tai khoan|phan|hoa|lieu|nguyen)\b)")


def _statement(words: tuple[Word, ...], text: str, plain: str) -> tuple[int, str] | None:
    """A Vietnamese search with no question word that still asks a fact: a count ("Số đội tiêm
    lưu động …"), an amount of money ("Tổng mức đầu tư cầu Hòa Đông") or a title's holder ("Phó
    Giám đốc Công an tỉnh Hà Giang"); the position of its last word before what it is about (of
    the word after an amount's name, which `names_money` reads before it)."""
    statement = _count_statement(words, text)
    if statement:
        return len(statement.group(0).split()) - 1, "number"
    if not _asks_something(words, plain):  # "… lấy kinh phí từ đâu?" asks a source
        money = next((n for n in range(1, MONEY_SEARCH_WORDS + 1) if names_money(words[:n])), None)
        if money is not None:
            return money, "number"
    title = TITLE_SEARCH.match(plain)
    return (len(title.group(0).split()) - 1, "person") if title else None


_OTHER_QUESTION_WORDS = {"đâu", "nào", "gì", "sao", "ai"}
_OTHER_QUESTION_FOLDED = re.compile(r"\b(?:nao|gi|sao|ai)\b|\b(?:tu|o|tai) dau\b")


def _asks_something(words: tuple[Word, ...], plain: str) -> bool:
    """Does a question word stand in it ("đâu", "nào" …; typed without marks, "tu dau" but not
    "dau tu", investment)?"""
    if any(has_diacritics(w.written) for w in words):
        return any(w.written.lower() in _OTHER_QUESTION_WORDS for w in words)
    return _OTHER_QUESTION_FOLDED.search(plain) is not None


# What names an amount of money before "bao nhiêu", or opening a search: the price, cost, budget …
MONEY_WORDS = {"giá", "phí", "tiền", "lương", "vốn"}  # as written ("Gia Lai" is no price)
MONEY_PAIRS = {("chi", "phi"), ("kinh", "phi"), ("ngan", "sach"), ("doanh", "thu"), ("kim", "ngach"),
               ("hoc", "phi"), ("vien", "phi"), ("dau", "tu")}
MONEY_SEARCH_WORDS = 4  # "Tổng mức đầu tư …": the amount is named within the first four words


def names_money(words: tuple[Word, ...]) -> bool:
    """Do `words` name an amount of money ("giá mỗi suất ăn", "kim ngạch xuất khẩu")?"""
    pairs = set(zip((w.syllable for w in words), (w.syllable for w in words[1:])))
    return bool(pairs & MONEY_PAIRS) or any(w.written.lower() in MONEY_WORDS for w in words)


def _count_statement(words: tuple[Word, ...], text: str) -> re.Match[str] | None:
    """`_COUNT_STATEMENT` in a question with no "nào" or "gì", whose "số" is written so ("Sở Y tế"
    folds to it too)."""
    written = [w.written.lower() for w in words[:2]]
    if "số" not in written or {"nao", "gi"} & {w.syllable for w in words}:
        return None
    return _COUNT_STATEMENT.match(text)


def which_noun(words: tuple[Word, ...]) -> tuple[str, ...]:
    """What a Vietnamese "X nào" question names the answer by, folded ("Bệnh viện nào …?" →
    benh, vien; "ở tỉnh nào" → tinh): up to two syllables before "nào", no function word, no
    name. Empty when there is none ("như thế nào" asks how)."""
    folded = [w.syllable for w in words]
    for j, syllable in enumerate(folded):
        if syllable != "nao" or j == 0:
            continue
        noun = list(words[max(0, j - 2):j])
        while noun and (noun[0].stopword or noun[0].capital):
            noun = noun[1:]
        if noun and all(not w.stopword and not w.capital for w in noun) and noun[-1].syllable not in _NOT_WHICH:
            return tuple(w.syllable for w in noun)
    return ()


# Syllables before "nào" that make no "which thing" question: "như thế nào" (how), "bằng cách
# nào" (by what means), "lúc nào" (when), "nào" after a verb ("ai đó nào").
_NOT_WHICH = {"the", "cach", "luc", "khi", "ngay", "nam", "thang", "noi", "cho", "nguoi", "gio", "bao", "tuan"}


def parse_question(text: str, language: str | None = None) -> Question:
    """Parse `text` once; `language` overrides the detected answer language. A Vietnamese question
    with no other question word that asks "X nào" is of kind "which" (a named thing of kind X)."""
    text = normalize(" ".join(text.split()))
    words = question_words(text)
    foreign = foreign_language(text)
    written_in = "en" if foreign else detect_language(text)
    position = question_word_position(words, written_in)
    kind = position[1] if position else None
    if kind is None and (which_noun(words) if written_in == "vi" else english_which_noun(text)):
        kind = "which"
    return Question(text, language or written_in, foreign, words, kind, written_in=written_in)
