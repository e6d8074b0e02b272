"""The short direct answer: a name, a date, a number or a place read out of the quoted sentences.

A reader asking "Who leads Hai Phong police?" should not have to find the names inside three
Vietnamese quotes. The span is taken from the text, never composed: a capitalised name run next
to the question's words (not one the question itself names, not a deputy when the head is asked),
a date written as the articles write dates, a number with the unit asked. When no sentence holds
such a span there is no short answer and the quotes alone answer, as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rag.question import Question
from rag.glossary import PLACES, english_asks_several, head_equivalent, vietnamese_equivalents
from rag.support import DEPUTY, Requirements, count_spans, english_counted, holds_title, looks_vietnamese
from rag.text import EXPANSIONS, SAME_MEANING, STOPWORDS, fold, folded_syllables, is_stopword, normalize

_TOKEN = re.compile(r"[\w'’-]+")
_RANK = re.compile(r"(?:(?:Đại|Thượng|Trung|Thiếu) (?:tướng|tá|úy)|Đại tướng)\s*$")
_RANK_WORDS = re.compile(r"\b(?:Đại|Thượng|Trung|Thiếu) (?:tướng|tá|úy)\b", re.IGNORECASE)
# Words before a name that say it is a person: honorifics, ranks, and titles.
# Words before a person's name; a degree may stand between ("bác sĩ CKII Vàng A Dình"). Whole
# words only: "tỉnh Thanh Hóa" holds no "anh".
_PERSON_BEFORE = re.compile(r"(?<!\w)(?:ông|bà|anh|chị|đồng chí|tướng|tá|úy|giám đốc|chủ tịch|bí thư|bộ trưởng|"
                            r"thứ trưởng|trưởng|tư lệnh|vua|hoàng đế|giáo sư|tiến sĩ|bác sĩ|nhà \w+)"
                            r"(?-i:\s+[A-ZĐ][A-ZĐ.]+)?\s*,?\s*$", re.IGNORECASE)
SURNAMES = {"nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho",
            "ngo", "duong", "ly", "luong", "to", "dinh", "trinh", "mai", "cao", "lam", "dao", "doan", "truong",
            "luu", "chu", "ta", "ha", "kieu", "quach", "thai", "trieu", "van", "tong",
            # of the ethnic minorities ("Nông Thị Hạnh", "Rơ Châm Tuấn", "Vàng A Dình")
            "nong", "lo", "siu", "ro", "thao", "sung", "mua", "vang", "giang"}
# Capitalised words that start an organisation, a place or a document, not a person.
_NOT_PERSON_HEADS = {"cong", "bo", "uy", "ubnd", "hdnd", "thanh", "tinh", "quan", "huyen", "xa", "phuong",
                     "dang", "ban", "hoi", "doan", "so", "cuc", "vien", "truong", "nghi", "de", "tet", "le",
                     "dai", "trung", "viet", "nha", "chinh", "quoc", "toa", "mat", "lien", "tong", "thu", "pho",
                     "giam", "chu", "bi", "thuong", "thieu", "ngay", "thang", "nam", "tai", "theo", "trong",
                     "sau", "khi", "nhung", "cac", "mot", "voi", "do", "con", "anh", "ong", "ba", "benh", "khoa"}
# Lower-case words inside foreign names, between capitalised ones.
NAME_PARTICLES = {"de", "del", "della", "der", "den", "van", "von", "da", "di", "du", "dos", "al", "bin", "ibn", "la", "le"}
# First words of a capitalised run that make it a place or a thing, not a person: seas, rivers,
# mountains, bays, ports ("Biển Caspi", "Sông Hồng"), and English ones ("The …", "Fort …").
_THING_HEADS = {"bien", "song", "nui", "vinh", "cang"}
# The same, written: prizes, markets, roads, bridges, temples, religions ("Giải Nobel", "Chợ Bến
# Thành", "Đường Láng"), whose folded forms are also surnames (Dương, Đào) or common syllables.
_WRITTEN_THING_HEADS = {"Giải", "Chợ", "Đường", "Cầu", "Chùa", "Đền", "Đạo", "Sân"}
# Administrative words written right before a place's name ("TP Hà Nội", "tỉnh Hà Giang", "thị
# xã Sơn Tây", "xã Trà Leng", "bản Nà Sài"); an address also runs on over "tổ" ("tổ 5, phường …").
# Villages in lower case only: "Nhật Bản Hiroshi Tanabe" is no "bản Hiroshi".
ADMINISTRATIVE_WORDS = ("thành phố", r"TP\.?", "tỉnh", "quận", "huyện", "thị xã", "xã", "phường", "thị trấn",
                        "(?-i:thôn|ấp|bản|làng|buôn|khu phố)")
_ADMINISTRATIVE = "(?:" + "|".join(ADMINISTRATIVE_WORDS) + ")"
_ADDRESS_UNIT = "(?:" + "|".join((*ADMINISTRATIVE_WORDS, "tổ")) + ")"
_PLACE_WORD_BEFORE = re.compile(rf"\b{_ADMINISTRATIVE}\s*$", re.IGNORECASE)
_ENGLISH_THING_HEADS = {"The", "Fort", "Lake", "Mount", "Cape", "Port", "St"}
# "Tỉnh nào", "huyện nào"…: an administrative place, answered by a place name (after "ở", "từ"…)
# when the article does not write the noun before it. Not "nước nào", "quốc gia nào": a city
# named after "ở" is no country.
_PLACE_WHICH = re.compile(r"\b(?:tỉnh|thành phố|huyện|quận|thị xã|xã|phường) nào\b", re.IGNORECASE)
# The part of the day before a date ("sáng 15/10", "chiều ngày 9/7"), shown with it; English below.
DAY_PARTS = {"rạng sáng": "early morning", "sáng": "morning", "trưa": "noon", "chiều": "afternoon",
             "tối": "evening", "đêm": "night", "khuya": "late night"}
_DAY_PART = rf"(?:(?:{'|'.join(DAY_PARTS)})\s+(?:ngày\s+)?|ngày\s+)"
_DATE_PATTERNS = [  # most specific first; "ngày"/"năm" before a date is shown, not measured
    re.compile(rf"{_DAY_PART}?(\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}})(?![/.,-]?\d)", re.IGNORECASE),
    re.compile(rf"{_DAY_PART}?(\d{{1,2}} tháng \d{{1,2}}(?:,? năm \d{{3,4}})?)", re.IGNORECASE),
    re.compile(rf"{_DAY_PART}(\d{{1,2}}[/.]\d{{1,2}})(?![/.,]?\d)", re.IGNORECASE),
    re.compile(r"(?<![\d/.,])(\d{1,2}/\d{1,2})(?![/.,]?\d)"),
    re.compile(r"(?:tháng\s+)?(?<![\d/.,])((?:0?[1-9]|1[0-2])/\d{4})(?![/.,]?\d)", re.IGNORECASE),  # "tháng 6/2023"
    re.compile(r"(quý (?:IV|I{1,3}|[1-4])(?:\s*[/-]\s*\d{4}|,? năm \d{4})?)(?![\w/])", re.IGNORECASE),  # "quý I năm 2025"
    re.compile(r"(\d[\d.,]*(?: (?:nghìn|triệu|tỷ))? năm trước|(?:năm )?\d[\d.,]* BP\b|"
               r"(?:tháng \d{1,2},? )?năm \d{3,4}(?! năm)|tháng \d{1,2},? \d{4}|những năm \d{3,4}|"
               r"thế kỷ (?:thứ )?[\dIVXLC]+)", re.IGNORECASE),
    re.compile(r"(?<![\d.,/])((?:1\d|20)\d\d)(?![.,/]?\d)"),
    re.compile(r"(tháng \d{1,2})(?![\d/])", re.IGNORECASE),  # a month alone: "vào tháng 3"
]
# A question for the head of something: a deputy does not answer it.
# Asks who leads, not who is one of the leaders ("Ai là lãnh đạo Sở …?" is answered by a deputy too).
_HEAD = re.compile(r"\b(?:leads?|heads?|chief|đứng đầu|dung dau|(?<!là )(?<!la )(?<!các )(?<!cac )(?:lãnh đạo|lanh dao))\b",
                   re.IGNORECASE)
ROLE_WEIGHT = 2.0  # a name whose own words (see _persons) hold the most of the question's weight gets this much
CLOZE = 4  # words either side of the question word matched either side of the span
_FIRST_YEAR_PATTERN = 4  # a month and year, then a quarter, then years: no day
_QUARTER_PATTERN = 5
_BARE_YEAR_PATTERN = 7
# "Lúc mấy giờ?", "What time …?": a time of day ("14h", "22h30", "9 giờ sáng", "14:30").
_TIME_ASKED = re.compile(r"\b(?:may gio|what time)\b")
_TIME = re.compile(r"(?<![\d/.,:])(\d{1,2}(?:h(?:\s?\d{2}(?!\d))?|:\d{2})|(?<=lúc )\d{1,2}\s?giờ(?:\s\d{1,2}(?:\s?phút)?)?|"
                   r"\d{1,2}\s?giờ(?:\s\d{1,2}(?:\s?phút)?)?(?=\s(?:sáng|trưa|chiều|tối|đêm)))(?!\w)"
                   r"(?:\s(?:sáng|trưa|chiều|tối|đêm))?", re.IGNORECASE)  # "kéo dài 9 giờ" is a duration
# A capitalised word (not the sentence's first, not an English month) right before a bare year.
_NAME_BEFORE = re.compile(r"(?<=\w )(?!(?:January|February|March|April|May|June|July|August|September|October|"
                          r"November|December)\b)[A-ZĐ][\w-]*\s$")
_DAY_AFTER_TIME = re.compile(r"\s+(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d/])", re.IGNORECASE)
_YEAR_ASKED = re.compile(r"\b(?:nam nao|nam may|what year|which year)\b")
_DAY_ASKED = re.compile(r"\b(?:ngay nao|hom nao|ngay may|what dates?|which dates?|what day|which day)\b")
_MONTH_ASKED = re.compile(r"\b(?:thang nao|thang may|what month|which month)\b")
_HAS_MONTH = re.compile(r"tháng|\d[/.-]\d", re.IGNORECASE)
_MARKER = re.compile(r"^(?:ngày|năm)\s+", re.IGNORECASE)
# A period ("từ ngày 15/12 đến ngày 14/02/2025", "from 1939 to 1945"): a question for when it
# starts or when it ends takes that side of it, whichever date is the more specific.
_START_ASKED = re.compile(r"\b(?:bat dau|khoi dau|start|starts|started|begin|begins|began|tu khi nao|tu ngay nao|tu hom nao|"
                          r"tu nam nao|tu bao gio)\b")
_END_ASKED = re.compile(r"\b(?:ket thuc|cham dut|xong|hoan thanh|(?:den|toi) (?:khi nao|ngay nao|hom nao|nam nao|thang nao|bao gio)|end|ends|"
                        r"ended|finish|finishes|finished|until (?:when|what|which)|by (?:when|what year))\b")
_PARTS_OF_DAY = {"rạng sáng", "sáng", "trưa", "chiều", "tối", "đêm"}
# What may stand before a date at an end of a period: "từ đêm 22/7 đến sáng 24/7".
_DAY_WORD = "(?:ngày|năm|" + "|".join(sorted(_PARTS_OF_DAY, key=len, reverse=True)) + ")"
_START_BEFORE = re.compile(rf"\b(?:từ|from|since)\s+(?:{_DAY_WORD}\s+)?$", re.IGNORECASE)
_END_BEFORE = re.compile(rf"(?:\b(?:đến|tới|until|to|through)\s+(?:(?:hết\s+)?{_DAY_WORD}\s+)?|\d\s*[-–]\s*)$", re.IGNORECASE)
PERIOD_SIDE_BONUS = 1.0
# What a time of day is the start or the end of, written since the previous time ("Ca mổ bắt đầu
# lúc 23h05 và kết thúc vào rạng sáng 3/9, khoảng 1h50").
_TIME_SIDES = {_START_ASKED: re.compile(r"\b(?:bắt đầu|khởi đầu|từ|start|started|began)\b", re.IGNORECASE),
               _END_ASKED: re.compile(r"\b(?:kết thúc|chấm dứt|xong|hoàn thành|đến|tới|end|ended|finished)\b",
                                      re.IGNORECASE)}
# "Tối 7/10, Bệnh viện Trung ương Huế cho biết …": a date opening a clause whose verb is a
# report dates the report, not what it reports; a question for when something happened takes
# another quote's date over it (unless it asks when it was said or announced).
_REPORTED_AFTER = re.compile(r",\s(?:[^.;:]|\.(?=\S)){0,120}?\b(?:cho biết|cho hay|xác nhận)\b",
                             re.IGNORECASE)  # "BS.CKII X, Giám đốc …, cho biết"
_LEDE_BEFORE = re.compile(r"^\W*(?:(?:khoảng|vào)\s+)?(?:\d{1,2}h\d{0,2}\s+)?(?:(?:rạng sáng|sáng|trưa|chiều|tối|đêm|ngày)\s+)?$",
                          re.IGNORECASE)  # the date opens the sentence: "Tối 7/10, …"
_DATELINE_BEFORE = re.compile(r"^\W*([^\W\d][\w.]*(?: [^\W\d][\w.]*){0,3}),\s*(?:ngày\s+)?$")
_DATELINE_AFTER = re.compile(r"\s*(?:\([^)]{1,20}\)\s*)?[–—-]\s")
# "(SN 1987)", "sinh năm 1990": a birth year answers only a question about a birth.
_BIRTH_YEAR_BEFORE = re.compile(r"\b(?:SN|sinh năm)\s*$", re.IGNORECASE)
_BIRTH_ASKED = re.compile(r"\b(?:sinh|born|birth)\b")
_REPORTING_ASKED = re.compile(r"\b(?:cho biet|cho hay|thong tin|thong bao|xac nhan|cong bo|announce[ds]?|reported|said|say)\b")
REPORTING_DATE_PENALTY = 2.0
# A date right after a document's number dates that document ("Nghị quyết số 45 ngày 24/1/2019",
# "Thông tư số 30/2018/TT-BYT ngày 30/10/2018"), not the event the article reports.
_DOCUMENT_NUMBER_BEFORE = re.compile(r"\bsố\s+(\d+)[\w/.-]*,?\s+(?:ngày\s+)?$", re.IGNORECASE)
# "trú xã Trà Leng", "quê tỉnh Thanh Hóa", "ngụ làng Chư Jú": where a person lives, written
# without "tại".
_PLACE_BEFORE = re.compile(rf"(?<!\w)(?:tại|ở|từ|trong|gần|in|at|thuộc|near|trú|ngụ|quê)\s+"
                           rf"(?:(?:{_ADMINISTRATIVE}|nước|vùng|miền)\s*)?$", re.IGNORECASE)

# A question for a rate whose "how many" names no unit ("Tỷ lệ tiêm chủng là bao nhiêu?", "How
# much of … in percent?"): its answer is most often a percentage, so one outranks the other
# numbers of the sentence (a preference of the short answer, not a requirement of the quotes).
_RATE_ASKED = re.compile(r"\b(?:ty le|ti le|phan tram|percent|percentage|proportion)\b")
# The answer to "đứng thứ mấy?" (Question.ordinal).
_ORDINAL = re.compile(r"\b(?:thứ|hạng)\s+(?:\d+|nhất|nhì|hai|ba|tư|năm|sáu|bảy|tám|chín|mười)\b", re.IGNORECASE)
_PER_CENT_AFTER = re.compile(r"\s*phần trăm\b", re.IGNORECASE)
RATE_BONUS = 1.0
# A count whose unit goes on to say it counts something else than the question asks ("bao nhiêu
# ca tử vong", "How many dengue deaths": "12.345 ca sốt xuất huyết", not "2 ca tử vong") is passed
# over, even in a better-ranked sentence (0.1 of a sentence score, SPAN_FIT in rag/answer.py).
OTHER_COUNT_PENALTY = 2.0
# A count of a part of what was asked ("2 ca sốt rét ác tính" for "bao nhiêu ca sốt rét") is passed
# over for one of the whole in the same sentence.
PART_COUNT_PENALTY = 1.0
# A count in words that gives no number ("hàng trăm", "vài chục") is passed over for one that does
# ("hàng trăm học sinh … 102 em phải nhập viện").
VAGUE_COUNT = re.compile(r"(?:hàng|vài|mấy)\s+(?:trăm|nghìn|ngàn|chục|triệu|tỷ)|trăm|nghìn|ngàn|chục", re.IGNORECASE)
VAGUE_COUNT_PENALTY = 1.0
_NEXT_WORDS = re.compile(r"[ \t]+(\w+)(?:[ \t]+(\w+))?(?:[ \t]+(\w+))?")


@dataclass(frozen=True)
class Span:
    """A short answer read out of one quoted sentence."""

    value: str     # as the sentence writes it: what exact match and F1 measure
    shown: str     # with its rank or unit, for the reader
    n: int         # the citation it comes from
    doc_id: str    # that article
    date: str      # its date
    score: float   # how close it sits to the question's words (higher is better)
    kind: str = ""  # the question's kind (person, date, number, duration …): how an English reader is shown it


@dataclass(frozen=True)
class ShortAnswer:
    text: str             # the sentence shown first ("Short answer: … [1].")
    spans: list[Span]     # best first

    @property
    def value(self) -> str:
        return self.spans[0].value


@dataclass(frozen=True)
class _Found:
    value: str
    shown: str
    start: int
    end: int
    bonus: float = 0.0
    fit: float = 0.0      # how closely the question's words surround it (set by find_span)
    against: float = 0.0  # how plainly it is something else than asked ("12.345 ca sốt xuất huyết")
    reported: bool = False  # a date of a report ("Tối 7/10, Bệnh viện … cho biết"): see _REPORTED_AFTER


def _capitalised(word: str) -> bool:
    """Capitalised, or a name with a lower-case prefix ("al-Turabi")."""
    return word[0].isupper() or any(part[:1].isupper() for part in word.split("-")[1:])


def _capitalised_runs(sentence: str) -> list[tuple[int, int]]:
    """Spans of capitalised words separated by single spaces: the shape of names. An initial
    ("Paul T. Stallsworth") and a particle between capitalised words ("Louis-Joseph de
    Montcalm", "Ludwig Mies van der Rohe") stay inside the name."""
    runs: list[tuple[int, int]] = []
    matches = list(_TOKEN.finditer(sentence))
    i = 0
    while i < len(matches):
        m = matches[i]
        if not _capitalised(m.group(0)):
            i += 1
            continue
        start, end = m.start(), m.end()
        i += 1
        while i < len(matches):
            gap = sentence[end:matches[i].start()]
            initial = sentence[end - 1].isupper() and (end - 1 == start or sentence[end - 2] == " ")  # "T"
            if gap != " " and not (initial and gap == ". "):
                break
            j = i
            while j < len(matches) and matches[j].group(0) in NAME_PARTICLES and \
                    sentence[matches[j].end():matches[j].end() + 1] == " ":
                j += 1  # particles, if a capitalised word follows them
            if j < len(matches) and _capitalised(matches[j].group(0)) and \
                    (j == i or sentence[matches[j - 1].end():matches[j].start()] == " "):
                end = matches[j].end()
                i = j + 1
            else:
                break
        runs.append((start, end))
    return runs


def _folded_tokens(text: str) -> list[tuple[str, int, int]]:
    """Folded words with their offsets; an abbreviation written out as the index reads it ("TP
    HCM" → thanh pho ho chi minh, each at the abbreviation's place)."""
    return [(fold(syllable), m.start(), m.end()) for m in re.finditer(r"\w+", text)
            for syllable in EXPANSIONS.get(m.group(0).lower(), [m.group(0).lower()])]


def _name_runs(sentence: str, question: Question) -> list[tuple[int, int, list[str]]]:
    """Capitalised runs shaped like a person's name and not one the question names."""
    asked = set(question.folded)
    out = []
    for run_start, run_end in _capitalised_runs(sentence):
        words = sentence[run_start:run_end].split(" ")
        folded = [fold(w.lower()) for w in words]
        if folded[0] in _THING_HEADS or words[0] in _ENGLISH_THING_HEADS or normalize(words[0]) in _WRITTEN_THING_HEADS:
            continue
        if _sentence_start(sentence, run_start) and looks_vietnamese(folded[0]) and folded[0] not in SURNAMES:
            words, folded = words[1:], folded[1:]  # capitalised as the sentence's first word ("Việc Seaman …")
        # Leading words that head an organisation, a title or an acronym ("ANTT") are not the name.
        while folded and (folded[0] in _NOT_PERSON_HEADS or (len(words[0]) > 1 and words[0].isupper())) \
                and not (len(folded) >= 3 and folded[0] in SURNAMES):
            words, folded = words[1:], folded[1:]
        words, folded = _without_trailing_acronyms(words, folded)
        if not words or all(f in asked for f in folded):
            continue
        lead = next(i for i, f in enumerate(folded) if f not in asked)
        if len(words) - lead >= 2:
            words, folded = words[lead:], folded[lead:]  # "ở Mỹ": "Mỹ Larry Ellison" → "Larry Ellison"
        lead = _country_before_foreign_name(words, folded)
        words, folded = words[lead:], folded[lead:]
        start = sentence.index(" ".join(words), run_start)
        end = start + len(" ".join(words))
        if start == 0 and len(words) == 1:
            continue  # the sentence's first word is capitalised anyway
        if _PLACE_WORD_BEFORE.search(sentence[:start]):
            continue  # "TP Hà Nội", "tỉnh Hà Giang": Hà is a surname, but this is a place
        vietnamese_name = folded[0] in SURNAMES and 2 <= len(words) <= 4
        foreign_name = not all(looks_vietnamese(f) for f in folded)
        if vietnamese_name or foreign_name or _PERSON_BEFORE.search(sentence[:start]):
            out.append((start, end, words))
    return out


def _without_trailing_acronyms(words: list[str], folded: list[str]) -> tuple[list[str], list[str]]:
    """A run less the acronyms that end it, when the words before them are Vietnamese: "Đại học Y
    Dược TP.HCM" gives "Y Dược", not a foreign name "Y Dược TP"."""
    keep = len(words)
    while keep and len(words[keep - 1]) > 1 and words[keep - 1].isupper():
        keep -= 1
    if 0 < keep < len(words) and all(looks_vietnamese(f) for f in folded[:keep]):
        return words[:keep], folded[:keep]
    return words, folded


_PLACE_SYLLABLES = {syllable for place in PLACES.values() for syllable in place.split()}


def _country_before_foreign_name(words: list[str], folded: list[str]) -> int:
    """How many leading words are a country before a foreign name ("Tổng thống Mỹ Donald Trump",
    "Thủ tướng Nhật Bản Shigeru Ishiba", "Bộ trưởng Y tế Anh Wes Streeting"): Vietnamese
    syllables written with their marks or naming a country, before a name of two or more words,
    one not Vietnamese ("Triều Tiên Kim Jong Un": "Kim" has no mark and names no country)."""
    lead = 0
    while lead < len(words) and looks_vietnamese(folded[lead]) and \
            (not words[lead].isascii() or folded[lead] in _PLACE_SYLLABLES):
        lead += 1
    rest = folded[lead:]
    return lead if len(rest) >= 2 and not all(looks_vietnamese(f) for f in rest) else 0


FULL_NAME_BONUS = 0.5
_ROMAN = re.compile(r"[IVXLC]+")


def _full_name(words: list[str]) -> bool:
    """Shaped like a person's given name and surname ("John Elway", "Nicholas E. Golovin"): two
    to four words, none a number, a Roman numeral or an acronym ("Super Bowl XXXIII", "NFL")."""
    return 2 <= len(words) <= 4 and not any(
        any(c.isdigit() for c in w) or _ROMAN.fullmatch(w) or (len(w) > 1 and w.isupper()) for w in words)


def _sentence_start(sentence: str, at: int) -> bool:
    """Only quotes, brackets or spaces before `at`: its word is capitalised anyway."""
    return not sentence[:at].strip(" \"'“‘([-–")


def _fuller_name(word: str, question: Question, context: Sequence[str]) -> tuple[str, str] | None:
    """The article's fuller form of a one-word name, with its rank: after the first mention a
    Vietnamese article writes "Thứ trưởng Ngọc" for "Thượng tướng Nguyễn Duy Ngọc" (and an
    English one "Tesla" for "Nikola Tesla"). None when no other name ends with the word, or
    when two different ones do."""
    found: dict[str, str] = {}
    for text in context:
        for start, _, words in _name_runs(text, question):
            folded = [fold(w.lower()) for w in words]
            if words[-1] != word or not 2 <= len(words) <= 4 or not _full_name(words):
                continue
            if not (folded[0] in SURNAMES or not any(looks_vietnamese(f) for f in folded)):
                continue  # "La Mã Hadrian", "Việc Seasmans": a Vietnamese word before a foreign name
            name = " ".join(words)
            rank = _RANK.search(text[:start])
            found.setdefault(name, f"{rank.group(0).strip()} {name}" if rank else name)
    return next(iter(found.items())) if len(found) == 1 else None


def _named_positions(question: Question, needs: Requirements) -> set[int]:
    """Which of the question's syllables stand in a name: capitalised ones, and two side by side
    that a name the articles hold has ("Nguyen Hai Trung", typed with or without capitals)."""
    words = question.words
    folded = [w.syllable for w in words]
    named = {i + k for i in range(len(folded) - 1) if folded[i] + folded[i + 1] in needs.name_documents for k in (0, 1)}
    named |= {i for i, w in enumerate(words) if w.capital}
    if 1 in named and words[0].written[:1].isupper():
        named.add(0)  # the first word is no name by the question's reading, but "Lương" leads this one
    return named


def _only_names(question: Question, needs: Requirements) -> bool:
    """Does the question name a person and ask nothing else ("Lương Tam Quang là ai?", "Who is
    Vu Thanh Chuong?")? Its content words stand side by side in one name, and no title is asked
    ("Who is the Deputy Minister of Health?" asks who holds one)."""
    if needs.title:
        return False
    named = _named_positions(question, needs)
    content = [i for i, w in enumerate(question.words) if w.syllable not in STOPWORDS]
    one_name = bool(content) and content[-1] - content[0] == len(content) - 1  # not "General Manager for the Broncos"
    return len(named) >= 2 and one_name and all(i in named for i in content)


# What a person is, as an article writes it after their name ("…, Giám đốc Công an TP Hà Nội")
# or before it ("Bộ trưởng Công an Tô Lâm"): folded heads of titles and posts.
ROLE_HEADS = [("giam", "doc"), ("chu", "tich"), ("bi", "thu"), ("truong",), ("uy", "vien"), ("tu", "lenh"),
              ("chanh",), ("bac", "si"), ("giao", "su"), ("tien", "si"), ("chu", "nhiem"), ("thu", "tuong"),
              ("dai", "su"), ("huan", "luyen", "vien"), ("pho",), ("tong",), ("can", "bo"), ("chuyen", "gia")]
# Words that may lead a post written in lower case: former, acting, deputy.
_ROLE_LEADS = {"nguyen", "quyen", "pho"}
MAX_ROLE_SYLLABLES = 14  # of one post written in lower case, up to the next comma
_DEPARTMENT_POST = re.compile(r"(?:phó\s+)?(?:trưởng|phó|giám đốc|chủ nhiệm)\s+(?:khoa|phòng|ban|bộ môn|đơn nguyên)\s+",
                              re.IGNORECASE)



def _holds_role(words: list[str]) -> bool:
    return any(contains_run(words[:4], head) for head in ROLE_HEADS)


def _posts_after(sentence: str, end: int, context: Sequence[str] = ()) -> int:
    """Where the posts written after a name end ("Nguyễn Hải Trung|, Giám đốc Công an TP Hà Nội|
    phát lệnh …"): comma-separated items, each led by a title; `end` when there is none."""
    last = end
    while True:
        comma = re.match(r",\s*", sentence[last:])
        first = _TOKEN.match(sentence, last + comma.end()) if comma else None
        if first is None:
            return last
        words = folded_syllables(sentence[first.start():first.start() + 60])
        if not _holds_role(words):
            return last
        department = _DEPARTMENT_POST.match(sentence, first.start())
        if department and sentence[department.end():department.end() + 1].isupper():
            item_end = _department_end(sentence, department.end(), context)
        elif _capitalised(first.group(0)):
            item_end = _post_end(sentence, first.end(), context)
        elif words[0] in _ROLE_LEADS or _holds_role(words[:3]):
            stop = re.search(r"[,;.:]", sentence[first.start():])
            item_end = first.start() + stop.start() if stop else len(sentence)
            if len(folded_syllables(sentence[first.start():item_end])) > MAX_ROLE_SYLLABLES:
                return last
        else:
            return last
        if len(sentence[first.start():item_end].split()) < 2:
            return last
        last = item_end


def _department_end(sentence: str, start: int, context: Sequence[str] = ()) -> int:
    """Where a department's name that starts at `start` ends: it is capitalised on its first word
    only ("Phó trưởng khoa Phẫu thuật tim mạch người lớn|,"), and may be followed by its
    hospital ("Trưởng khoa Nhi Bệnh viện Bạch Mai| cho biết")."""
    tokens = list(_TOKEN.finditer(sentence, start))
    end = tokens[0].end()
    for token in tokens[1:MAX_ROLE_SYLLABLES]:
        if sentence[end:token.start()] != " ":
            return end
        if _capitalised(token.group(0)):
            return _post_end(sentence, token.end(), context)
        if is_stopword(token.group(0).lower()) or token.group(0) in _SAID:
            return end  # "Trưởng khoa Nhi| cho biết"
        end = token.end()
    return end


def _post_end(sentence: str, end: int, context: Sequence[str] = ()) -> int:
    """Where a post led by a capitalised title ends: after capitalised words, each maybe with a
    lower-case syllable that the article writes with it before punctuation or a capitalised word
    ("Giám đốc Công an TP Hà Nội|", "Bộ trưởng Bộ Công an| làm …", "Bộ Chính trị|,"), and
    "thành phố", "tỉnh" … before a place ("Sở Y tế tỉnh Nghệ An"); not "Hà Nội| phát lệnh …", a
    verb after the name."""
    texts = [sentence, *context]
    tokens = list(_TOKEN.finditer(sentence, end))
    previous = (sentence[:end].split() or [""])[-1]
    i, lower = 0, []
    while i < len(tokens):
        m, word = tokens[i], tokens[i].group(0)
        gap = sentence[(lower[-1] if lower else end):m.start()]
        if gap != " " and not (gap == "." and previous and not lower and _capitalised(word)):  # "TP.Hải Phòng"
            break
        if _capitalised(word):
            if lower:
                break  # "Công an làm Trưởng đoàn": a verb stood between
            end, previous, i = m.end(), word, i + 1
            continue
        # "tỉnh| Nghệ An", and "Công an thành phố| yêu cầu": the body's own city or province.
        place = None if lower else _place_words(sentence, tokens, i)
        if place is not None:
            end, previous, i = tokens[place].end(), "", place + 1
            continue
        if previous and not lower and (_written_whole(previous, word, texts)
                                       or _place_words_end(sentence, tokens, i + 1) is not None):
            end, previous, i = m.end(), "", i + 1  # "Công an", "Sở Y tế| tỉnh Nghệ An"
            continue
        lower.append(m.end())
        if len(lower) > 2:
            break
        i += 1
    return end


def _place_words(sentence: str, tokens: list[re.Match[str]], i: int) -> int | None:
    """The last token of "thành phố", "tỉnh" … written from token i, else None."""
    for j in (i + 1, i):
        if j < len(tokens) and _PLACE_WORD_BEFORE.fullmatch(sentence[tokens[i].start():tokens[j].end()] + " "):
            return j
    return None


def _place_words_end(sentence: str, tokens: list[re.Match[str]], i: int) -> int | None:
    """The same when a capitalised place follows ("tỉnh| Nghệ An"), else None."""
    j = _place_words(sentence, tokens, i)
    return j if j is not None and j + 1 < len(tokens) and _capitalised(tokens[j + 1].group(0)) else None


# One-syllable verbs of speech after a speaker's post ("…, Giám đốc Bệnh viện K nói, …").
_SAID = {"nói", "kể", "hỏi", "đáp"}


def _written_whole(capital: str, lower: str, texts: Sequence[str]) -> bool:
    """Is "capital lower" written before punctuation or a capitalised word somewhere in `texts`:
    one name ("Công an", "Chính trị"), not a name and the verb after it ("Nội phát")?"""
    if not capital or not lower:
        return False
    if lower.lower() in _SAID or fold(lower.lower()) in STOPWORDS:
        return False  # "Khánh Hòa và Bệnh viện …": a conjunction joins two names
    pattern = re.compile(rf"\b{re.escape(capital)} {re.escape(lower)}\b(\s*[,;.:)]|\s+\w|$)")
    for text in texts:
        for m in pattern.finditer(text):
            after = m.group(1).strip()
            if not after or after in ",;.:)" or _capitalised(after):
                return True
    return False


def _post_before(sentence: str, start: int) -> int:
    """Where a post written right before a name starts ("Bộ trưởng Công an |Tô Lâm"), after the
    last punctuation and any rank; `start` when there is none."""
    lead = max(sentence.rfind(mark, 0, start) for mark in ",;:.") + 1
    text = sentence[lead:start]
    rank = _RANK.search(text)
    if rank:
        text = text[:rank.start()]
    post = text.strip()
    if len(post.split()) < 2 or not _capitalised(post) or not _holds_role(folded_syllables(post)):
        return start
    return lead + text.index(post)


def asks_role(question: Question, needs: Requirements) -> bool:
    """Does the question ask what a person it names is ("Nguyễn Hải Trung là ai?", "What position
    does Bui Thi Minh Hoai hold?")? Its answer is the post written beside the name."""
    return question.kind == "role" or (question.kind == "person" and _only_names(question, needs))


def _roles(sentence: str, question: Question, needs: Requirements, context: Sequence[str] = ()) -> list[_Found]:
    """What the sentence says a person the question names is ("Nguyễn Hải Trung là ai?" →
    "Giám đốc Công an TP Hà Nội", shown with the rank and name: "Trung tướng Nguyễn Hải Trung,
    Giám đốc Công an TP Hà Nội")."""
    asked = {question.words[i].syllable for i in _named_positions(question, needs)}
    out = []
    for start, end in _capitalised_runs(sentence):
        run = sentence[start:end].split(" ")
        name = [w for w in run if fold(w.lower()) in asked]
        if len(name) < 2 or run[-len(name):] != name:
            continue
        start = end - len(" ".join(name))  # "TS Nguyễn Văn Kính": an abbreviated degree before the name
        rank = _RANK.search(sentence[:start])
        named_from = rank.start() if rank else start
        after = _posts_after(sentence, end, context)
        if after > end:
            role_start = sentence.index(",", end) + 1
            role = sentence[role_start:after].strip()
            out.append(_Found(role, sentence[named_from:after], start, after))
            continue
        before = _post_before(sentence, named_from)
        if before < named_from:
            role = sentence[before:named_from].strip()
            out.append(_Found(role, sentence[before:end], before, end))
    return out


def _persons(sentence: str, question: Question, needs: Requirements, terms: dict[str, float],
             context: Sequence[str] = ()) -> list[_Found]:
    """Names, with what the sentence says each one is: the words since the previous name or
    ";" before it, and up to the next name or ";" after it (its title, "ông X, Chủ tịch …").
    A name whose own words hold more of the question's weight says more of what was asked
    ("Jared Allen, người …, dẫn đầu về số lần vật ngã" for "who led in sacks")."""
    runs, posts_end = [], 0
    for start, end, words in _name_runs(sentence, question):
        if start < posts_end:
            continue  # "Bà Trần Thị Nhị Hà, Phó Giám đốc Sở Y tế Hà Nội, cho biết": Hà Nội is in her post
        if len(words) == 1 and _starts_common_words(sentence, end, words[0], context):
            continue  # "Phó giám đốc Bảo hiểm xã hội": "bảo hiểm" is a word, "Bảo" no name
        posts_end = _posts_after(sentence, end, context)
        runs.append((start, end, words, posts_end))
    head_asked = bool(needs.title) or bool(_HEAD.search(question.text))
    out = []
    for i, (start, end, words, posts_end) in enumerate(runs):
        # The posts written after the previous name are that person's, not this one's.
        left = max(runs[i - 1][3] if i else 0, sentence.rfind(";", 0, start) + 1)
        right = min(runs[i + 1][0] if i + 1 < len(runs) else len(sentence), _find(sentence, ";", end))
        before, after = sentence[left:start], sentence[end:right]
        role = folded_syllables(before + " " + after)
        titled = bool(needs.title) and holds_title(role, needs, before + " " + after)
        deputy = DEPUTY in fold(before.lower()).split()[-3:] or fold(after.lower()).lstrip(" ,").startswith(DEPUTY + " ")
        if needs.title and not titled and contains_run(role, needs.title):
            continue  # named only as the deputy ("Phó Chủ tịch") or of another body
        if head_asked and deputy and not needs.deputy and not titled:
            continue  # a vice-chairman does not answer "who leads …"
        rank = _RANK.search(before)
        name = " ".join(words)
        shown = f"{rank.group(0).strip()} {name}" if rank else name
        fuller = _fuller_name(name, question, context) if len(words) == 1 else None
        if fuller:
            name, shown = fuller
        said = sum(terms.get(w, 0.0) for w in set(role))
        bonus = 0.5 * (words[0] and fold(words[0].lower()) in SURNAMES) + 1.0 * titled + \
            FULL_NAME_BONUS * _full_name(words)
        # What follows the posts follows the person ("…, cho biết" for "Ai cho biết …?").
        out.append((_Found(name, shown, start, max(end, posts_end), bonus), said, titled))
    if any(titled for _, _, titled in out):
        out = [o for o in out if o[2]]  # the title asked names its holder; the others hold other titles
    most = max((said for _, said, _ in out), default=0.0) or 1.0
    return [replace(f, bonus=f.bonus + ROLE_WEIGHT * said / most) for f, said, _ in out]


def _starts_common_words(sentence: str, end: int, word: str, context: Sequence[str]) -> bool:
    """Does a lone capitalised syllable begin a phrase the article also writes in lower case
    ("Bảo hiểm xã hội" beside "thẻ bảo hiểm y tế")? Then it heads an organisation; a person's
    name is capitalised throughout ("giám đốc Hùng cho biết": "hùng cho" is written nowhere)."""
    following = re.match(r" (\w+)", sentence[end:])
    if following is None or not following.group(1).islower():
        return False
    pattern = re.compile(rf"(?<!\w){re.escape(word.lower())} {re.escape(following.group(1))}(?!\w)")
    return any(pattern.search(text) for text in context)


def _find(text: str, mark: str, start: int) -> int:
    at = text.find(mark, start)
    return len(text) if at < 0 else at


def contains_run(words: list[str], part: tuple[str, ...]) -> bool:
    """Whether `part` occurs in `words` as a run, in order and unbroken."""
    n = len(part)
    return any(tuple(words[i:i + n]) == part for i in range(len(words) - n + 1))


def _dates(sentence: str, question: Question) -> list[_Found]:
    if _TIME_ASKED.search(question.folded_text):
        return _times(sentence, question)
    taken: list[tuple[int, int]] = []
    out = []
    asked = normalize(question.text)
    year_asked = bool(_YEAR_ASKED.search(question.folded_text))
    day_asked = bool(_DAY_ASKED.search(question.folded_text))
    month_asked = bool(_MONTH_ASKED.search(question.folded_text))
    side = _period_side_asked(question)
    for rank, pattern in enumerate(_DATE_PATTERNS):
        for m in pattern.finditer(sentence):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            shown = m.group(0).strip()
            value = _MARKER.sub("", m.group(1).strip())
            if question.vietnamese and not (year_asked or day_asked) and shown.lower().startswith("năm "):
                value = shown  # "khi nào?" → "năm 1943": a bare year fills "năm nào?" only
            if value in asked:
                continue  # the date the question itself gives
            if rank == _BARE_YEAR_PATTERN and not year_asked and _NAME_BEFORE.search(sentence[:m.start(1)]):
                continue  # "Tết Nguyên đán Giáp Thìn 2024", "Euro 2024": the year names the event
            if _BIRTH_YEAR_BEFORE.search(sentence[max(0, m.start(1) - 12):m.start(1)]) and \
                    not _BIRTH_ASKED.search(question.folded_text):
                continue  # "Nguyễn Hữu Phước (SN 1987)" says nothing of when
            document = _DOCUMENT_NUMBER_BEFORE.search(sentence[max(0, m.start(1) - 40):m.start(1)])
            if document and not re.search(rf"(?<!\d){document.group(1)}(?!\d)", asked):
                continue  # a document's date answers only a question naming that document
            # A full date says more than a day and month, which says more than a year; unless a
            # year is what the question asks.
            if day_asked and rank >= _FIRST_YEAR_PATTERN:
                continue  # a year does not say which day
            if month_asked and not _HAS_MONTH.search(shown):
                continue  # nor which month
            if year_asked and rank == len(_DATE_PATTERNS) - 1:
                continue  # nor a month which year
            if year_asked and rank == _FIRST_YEAR_PATTERN:
                value = value.split("/")[1]  # "tháng 6/2023" for "năm nào?": 2023
            if year_asked and rank == _QUARTER_PATTERN:
                year = re.search(r"\d{4}", value)
                if not year:
                    continue
                value = year.group(0)  # "quý I năm 2025" for "năm nào?": 2025
            if year_asked:
                bonus = 0.6 if rank >= _FIRST_YEAR_PATTERN else 0.0
            else:
                bonus = 0.1 * (len(_DATE_PATTERNS) - rank)
            if side and side.search(sentence[max(0, m.start(1) - 20):m.start(1)]):
                bonus += PERIOD_SIDE_BONUS
            reported = (bool(_LEDE_BEFORE.match(sentence[:m.start()]) and _REPORTED_AFTER.match(sentence, m.end()))
                        or _dateline(sentence, m.start(), m.end())) and not _REPORTING_ASKED.search(question.folded_text)
            out.append(_Found(value, shown, m.start(), m.end(), bonus, reported=reported))
    return out


def _dateline(sentence: str, start: int, end: int) -> bool:
    """Is the date the article's dateline ("Hà Nội, ngày 22/4/2025 – …", "Quảng Nam, 28/4
    (TTXVN) - …"): after a capitalised place and a comma opening the text, before a dash? It dates
    the report."""
    place = _DATELINE_BEFORE.match(sentence[:start])
    return bool(place and all(w[:1].isupper() for w in place.group(1).split()) and _DATELINE_AFTER.match(sentence, end))


def _times(sentence: str, question: Question) -> list[_Found]:
    """Times of day; the side of a period asked (its start or end) favours the time whose own
    words, since the previous time, say it ("kết thúc … khoảng 1h50" for "xong lúc mấy giờ")."""
    side = next((words for asked, words in _TIME_SIDES.items() if asked.search(question.folded_text)), None)
    day_asked = _DAY_ASKED.search(question.folded_text) is not None
    out, since = [], 0
    for m in _TIME.finditer(sentence):
        bonus = PERIOD_SIDE_BONUS if side and side.search(sentence[since:m.start()]) else 0.0
        day = _DAY_AFTER_TIME.match(sentence, m.end()) if day_asked else None
        if day:  # "lúc mấy giờ, ngày nào?" → "10h ngày 19/8"
            whole = sentence[m.start():day.end()]
            out.append(_Found(whole, whole, m.start(), day.end(), bonus))
        else:
            out.append(_Found(m.group(1), m.group(0), m.start(), m.end(), bonus))
        since = m.end()
    return out


def _asks_whole_period(question: Question) -> bool:
    """Not one side of a period ("bắt đầu khi nào?") nor one moment ("năm nào?", "lúc mấy giờ?")
    but the whole of a period, or an amount: "trong khoảng thời gian nào?", "từ ngày nào đến ngày
    nào?", "những năm nào?", "bao nhiêu tiền?"."""
    folded = question.folded_text
    if _START_ASKED.search(folded) and _END_ASKED.search(folded):
        return True
    return not (_period_side_asked(question) or _TIME_ASKED.search(folded) or _ONE_MOMENT_ASKED.search(folded))


def _period_side_asked(question: Question) -> re.Pattern[str] | None:
    """What stands before the side of a period the question asks for: its start or its end."""
    if _START_ASKED.search(question.folded_text):
        return _START_BEFORE
    if _END_ASKED.search(question.folded_text):
        return _END_BEFORE
    return None


def _numbers(sentence: str, question: Question, needs: Requirements) -> list[_Found]:
    if question.ordinal:
        return [_Found(m.group(0), m.group(0), m.start(), m.end()) for m in _ORDINAL.finditer(sentence)]
    asked = normalize(question.text)
    rate = not needs.count_unit and _RATE_ASKED.search(question.folded_text) is not None
    described = _described(question) - {needs.count_unit}
    asked_words = _asked_words(question)
    out = []
    for value, shown, start, end in count_spans(sentence, needs.count_unit or "", _unit_phrase(question, 4)):
        if not needs.count_unit and re.fullmatch(r"[\d.,]+", value) and \
                re.search(rf"(?<![\d.,]){re.escape(value)}(?![\d.,]*\d)", asked):
            continue  # a number the question itself gives ("in 2015"), unless it counts what was asked
        percentage = value.endswith("%") or _PER_CENT_AFTER.match(sentence, end) is not None
        against = 0.0
        if needs.count_unit and not percentage:
            if _counts_something_else(sentence, start, shown, described):
                against = OTHER_COUNT_PENALTY
            elif question.vietnamese and _counts_part_of_it(sentence, start, shown, described, set(question.folded)) \
                    or _counts_a_subset(sentence, start, end, asked_words):
                against = PART_COUNT_PENALTY
        if VAGUE_COUNT.fullmatch(value):
            against += VAGUE_COUNT_PENALTY
        out.append(_Found(value, shown, start, end, RATE_BONUS if rate and percentage else 0.0, against=against))
    return out


def _counts_something_else(sentence: str, start: int, shown: str, described: set[str]) -> bool:
    """Does the unit shown go straight on with lower-case words, none of the three next ones being
    what the question says of it (`described`: "tử vong" of "bao nhiêu ca tử vong")? "12.345 ca
    sốt xuất huyết" does; "412 trẻ phải nhập viện" does not for "bao nhiêu trẻ nhập viện", nor
    does a unit followed by punctuation or a function word ("310.000 liều, Hà Nội …", "285.000
    liều và …")."""
    if not described or described & set(folded_syllables(shown)):
        return False
    going_on = _words_going_on(sentence, start, shown)
    return bool(going_on) and not described & set(going_on)


def _counts_part_of_it(sentence: str, start: int, shown: str, described: set[str], asked: set[str]) -> bool:
    """Does the unit shown, holding all the question says of what it counts, go on with a
    lower-case word the question does not say ("2 ca sốt rét ác tính" for "bao nhiêu ca sốt rét",
    beside "286 ca mắc sốt rét")? Then it counts a part of what was asked."""
    if not described or not described <= set(folded_syllables(shown)):
        return False
    going_on = _words_going_on(sentence, start, shown)
    return bool(going_on) and going_on[0] not in asked


# "47 vụ cháy, trong đó có 19 vụ …": what follows counts a part of the count before.
_SUBSET_LEAD = re.compile(r"\b(?:trong đó|trong số đó|bao gồm)(?:\s+(?:có|là))?\s*$", re.IGNORECASE)


def _counts_a_subset(sentence: str, start: int, end: int, asked: set[str]) -> bool:
    """Does the count follow "trong đó" ("of which") without saying more of what was asked than
    the sentence did before it ("4 bệnh nhân mắc bệnh dại, trong đó 2 người tử vong" for "how
    many rabies patients"; not "643 trẻ mắc bệnh, trong đó 21 trẻ phải thở máy" for "bao nhiêu
    trẻ phải thở máy")?"""
    lead = _SUBSET_LEAD.search(sentence, max(0, start - 20), start)
    if lead is None:
        return False
    after = set(folded_syllables(sentence[end:end + 40]))
    return not (after & asked) - set(folded_syllables(sentence[:lead.start()]))


def _asked_words(question: Question) -> set[str]:
    """The question's content words, folded; an English one's in the Vietnamese of the glossary."""
    if question.vietnamese:
        return question.content
    return {syllable for phrase in vietnamese_equivalents(question.text) for syllable in phrase}


def _words_going_on(sentence: str, start: int, shown: str) -> list[str]:
    """The next (up to three) words after the unit shown, folded, when the first is a lower-case
    Vietnamese word that says more of it; none after punctuation, a digit, a function word or a
    foreign word ("cacbon" for "carbon")."""
    end = sentence.find(shown, start) + len(shown)
    if end < len(shown):
        return []
    following = _NEXT_WORDS.match(sentence, end)
    first = following and following.group(1)
    if not first or not first.islower() or is_stopword(first) or not looks_vietnamese(fold(first)):
        return []
    return [fold(w.lower()) for w in following.groups() if w]


def _described(question: Question) -> set[str]:
    """What a "how many" question says of what it counts, folded: the words counted in a
    Vietnamese one ("bao nhiêu ca tử vong" → ca, tử, vong), the Vietnamese of its noun and of
    the words after it in an English one ("How many deaths" → ca, tử, vong; "How many people
    died" → người, tử, vong), and the words of the same meaning (a count of "chết" is one of "tử
    vong", not of something else)."""
    if question.vietnamese:
        described = _unit_phrase(question)
    else:
        said = (english_counted(question.text) or ("", ""))[1]
        described = _unit_phrase(question) | {syllable for phrase in vietnamese_equivalents(said) for syllable in phrase}
    for group in SAME_MEANING:
        if any(set(phrase) <= described for phrase in group):
            described = described.union(*group)
    return described


_CAUSE_WORDS = {"vì", "bởi", "nhờ"}  # end what is counted, as a function word does ("tử vong | vì sởi")


def _unit_phrase(question: Question, most: int | None = None) -> set[str]:
    """The words a Vietnamese question counts, up to a function word ("bao nhiêu lượt kỳ họp" →
    lượt, kỳ, họp), at most `most` of them; for an English one, their Vietnamese ("How many
    workers" → công, nhân)."""
    if not question.vietnamese:
        return set(head_equivalent((english_counted(question.text) or ("", ""))[0]))
    phrase = set()
    for word in (question.counted_words or ())[:most]:
        if word.stopword or word.written.lower() in _CAUSE_WORDS:
            break
        phrase.add(word.syllable)
    return phrase


def _places(sentence: str, question: Question) -> list[_Found]:
    """Capitalised names after "tại", "ở", "in"…, run on over lower-case words that lead to
    another capitalised one ("tại Triển lãm London", "Trung tâm Vũ trụ Kennedy"); in a
    Vietnamese question, also a name right after the word before "ở đâu" ("Nhà Trần cai trị ở
    đâu?" → "cai trị An Nam")."""
    asked = set(question.folded)
    slot = question.asked_at
    verb = next((w for w in reversed(question.folded[:slot]) if w not in STOPWORDS), "") if question.vietnamese else ""
    out = []
    runs = _capitalised_runs(sentence)
    for start, end in runs:
        before = sentence[:start]
        previous = _folded_tokens(before)[-1:]
        if not _PLACE_BEFORE.search(before) and not (verb and previous and previous[0][0] == verb):
            continue
        end = _name_phrase_end(sentence, end)
        words = sentence[start:end].split(" ")
        if all(fold(w.lower()) in asked for w in words):
            continue
        lead = _ADMINISTRATIVE_BEFORE.search(before)
        address_end = _address_end(sentence, end, lead is not None, dict(runs))
        if address_end > end:  # "thôn Đông Xuyên, xã Đông Phong, huyện Yên Phong": the whole address
            start, end = (lead.start(1) if lead else start), address_end
        out.append(_Found(sentence[start:end], sentence[start:end], start, end))
    return out


_ADMINISTRATIVE_BEFORE = re.compile(rf"\b({_ADDRESS_UNIT})\s+$", re.IGNORECASE)
_NEXT_UNIT = re.compile(rf", ({_ADDRESS_UNIT} )?(?=\w)", re.IGNORECASE)


def _address_end(sentence: str, end: int, administrative: bool, run_ends: dict[int, int]) -> int:
    """Where an address that goes on from a place name ends: each ", xã …", ", huyện …" after it,
    and, after a name written with its administrative word, ", Hà Nội" ("quận Hà Đông, Hà Nội").
    `run_ends` maps where each capitalised run of the sentence starts to where it ends."""
    while (unit := _NEXT_UNIT.match(sentence, end)) is not None:
        name_end = run_ends.get(unit.end())
        if name_end is None or (unit.group(1) is None and not administrative):
            break
        administrative = unit.group(1) is not None
        end = name_end
    return end


# Units of time a "how long" question is answered in (folded), and their English names.
# "tiếng" is an hour as news writes it ("ca mổ kéo dài gần 4 tiếng"); after a number it is no sound.
TIME_UNITS = {"giay": "second", "phut": "minute", "gio": "hour", "tieng": "hour", "ngay": "day", "tuan": "week",
              "thang": "month", "nam": "year"}


def _durations(sentence: str) -> list[_Found]:
    """For "bao lâu" / "how long … last": a number of a unit of time ("kéo dài 5 giờ", "10-14
    ngày", "mười năm"), shown and measured with its unit."""
    out = []
    for unit in TIME_UNITS:
        for _, shown, start, end in count_spans(sentence, unit):
            if sentence.startswith(shown, start):  # the unit after the number: "nam 58 tuổi" is no 58 years
                out.append(_Found(shown, shown, start, start + len(shown)))
    return out


def _named_things(sentence: str, question: Question) -> list[_Found]:
    """For "Bệnh viện nào …?", "Công ty nào …?", "ở tỉnh nào?": a name written right after that
    noun ("Bệnh viện Đa khoa tỉnh Khánh Hòa", "tỉnh Bắc Ninh" → Bắc Ninh), the noun kept when it
    is written as part of the name (capitalised), not a name the question holds."""
    asked = set(question.folded)
    tokens = list(_TOKEN.finditer(sentence))
    folded = [fold(t.group(0).lower()) for t in tokens]
    found = _named_after(sentence, tokens, folded, question.which_noun, asked)
    # "đánh bại đội nào": the two syllables before "nào" may hold a verb's; then the noun alone.
    if not found and len(question.which_noun) > 1:
        found = _named_after(sentence, tokens, folded, question.which_noun[-1:], asked)
    # … and the name may follow the verb itself ("đánh bại Pittsburgh Steelers", "ra mắt Dịch vụ …").
    if not found and len(question.which_noun) > 1:
        found = _named_after(sentence, tokens, folded, question.which_noun[:1], asked)
    if not found and _PLACE_WHICH.search(question.text):
        found = _places(sentence, question)  # "từ tỉnh nào?" against "từ Bến Tre lên"
    if found and _asks_several(question):
        runs = _capitalised_runs(sentence)
        found = [_enumeration(sentence, f, runs) for f in found]
    return found


# "những huyện nào?", "các tỉnh, thành phố nào?": several named things asked, a list answers.
_SEVERAL_ASKED = re.compile(r"\b(?:nhung|cac)\s+(?:\w+,?\s+){1,4}?nao\b")
# Between two items of a list of names: a comma or "và", maybe the kind of the next one
# ("Chư Prông, Ia Grai, Krông Pa và thị xã Ayun Pa").
_LIST_GAP = re.compile(r"(?:,\s*(?:và\s+|and\s+)?|\s+(?:và|and)\s+)"
                       r"(?:(?:thị xã|thị trấn|thành phố|huyện|tỉnh|quận|xã|phường|thôn|bản|TP\.?)\s+)?$")


def _asks_several(question: Question) -> bool:
    if question.written_in == "en":
        return english_asks_several(question.text)
    return _SEVERAL_ASKED.search(question.folded_text) is not None


def _enumeration(sentence: str, found: _Found, runs: list[tuple[int, int]]) -> _Found:
    """The list of names `found` is an item of, whole: the names before and after it joined by
    commas or "và" (`_LIST_GAP`)."""
    at = next((i for i, (start, end) in enumerate(runs) if start <= found.start < end or found.start <= start < found.end),
              None)
    if at is None:
        return found
    first = last = at
    while first > 0 and _LIST_GAP.fullmatch(sentence[runs[first - 1][1]:runs[first][0]]):
        first -= 1
    while last + 1 < len(runs) and _LIST_GAP.fullmatch(sentence[runs[last][1]:runs[last + 1][0]]):
        last += 1
    if first == last == at:
        return found
    start, end = min(found.start, runs[first][0]), max(found.end, runs[last][1])
    return _Found(sentence[start:end], sentence[start:end], start, end, found.bonus)


def _named_after(sentence: str, tokens: list[re.Match[str]], folded: list[str], noun: tuple[str, ...],
                 asked: set[str]) -> list[_Found]:
    """Names after `noun`: capitalised, or one foreign word in lower case ("thuốc kháng virus
    oseltamivir", "bệnh hemophilia")."""
    n, out = len(noun), []
    for i in range(len(tokens) - n):
        name = tokens[i + n]
        word = name.group(0)
        foreign = word.isalpha() and word.islower() and len(word) > 3 and not looks_vietnamese(fold(word))
        if tuple(folded[i:i + n]) != noun or not (_capitalised(word) or foreign) or \
                sentence[tokens[i + n - 1].end():name.start()] != " ":
            continue
        end = name.end() if foreign else _post_end(sentence, name.end())
        if all(fold(w.lower()) in asked for w in sentence[name.start():end].split()):
            continue
        start = tokens[i].start() if _capitalised(tokens[i].group(0)) else name.start()
        out.append(_Found(sentence[start:end], sentence[start:end], start, end))
    return out


def _ranks(sentence: str, question: Question, needs: Requirements, terms: dict[str, float]) -> list[_Found]:
    """A rank with the name it stands before ("Thiếu tướng Bùi Quang Bình"). When the question
    names one of these people, theirs ("What rank does Bui Quang Binh hold?"); otherwise the
    rank of a person who answers "who" for the title asked (not the deputy beside them)."""
    runs = {start: end for start, end in _capitalised_runs(sentence)}
    ranked = [(m.start(), m.end() + 1, runs[m.end() + 1]) for m in _RANK_WORDS.finditer(sentence)
              if m.end() + 1 in runs]
    named = [_Found(sentence[rank:end], sentence[rank:end], rank, end) for rank, start, end in ranked
             if {fold(w.lower()) for w in sentence[start:end].split()} & set(question.folded)]
    if named:
        return named
    persons = _persons(sentence, question, needs, terms)
    return [_Found(sentence[rank:end], sentence[rank:end], rank, end, f.bonus)
            for rank, start, end in ranked for f in persons if start <= f.start < end]


def _name_phrase_end(sentence: str, end: int) -> int:
    """Where a name that goes on over one or two lower-case words ends ("Triển| lãm London",
    "Khu| Y tế và Học thuật Longwood"): at its last capitalised word before punctuation."""
    last_capital, lower_run = end, 0
    for m in _TOKEN.finditer(sentence, end):
        if sentence[end:m.start()] != " ":
            break
        end = m.end()
        if _capitalised(m.group(0)):
            last_capital, lower_run = end, 0
            continue
        lower_run += 1
        if lower_run > 2:
            break
    return last_capital


# What stands before the second end of a range: "từ 150 đến | 250 triệu đồng", "từ ngày 1/6 đến
# ngày | 10/8", "30 đến | 50 nghìn".
_RANGE_BEFORE = re.compile(rf"(?:\b(?:từ|from)\s+)?(?:{_DAY_WORD}\s+)?\d[\d/.,]*(?:\s+(?:nghìn|ngàn|triệu|tỷ))?\s*"
                           rf"(?:đến|tới|to)\s+(?:(?:hết\s+)?{_DAY_WORD}\s+)?$", re.IGNORECASE)
# "năm nào?", "which year?": one year, not a period; "những năm nào?", "which years?" ask more.
_ONE_MOMENT_ASKED = re.compile(r"(?<!nhung )(?<!cac )\b(?:nam|ngay|thang|hom) (?:nao|may)\b|\b(?:what|which) (?:year|date|day|month)\b")
# A change, not a range: "đã tăng từ 415.000 đến 587.000 km vuông", "rose from 2 to 5" (but "tăng
# 0,3 đến 0,6 °C" is a range of the rise).
_CHANGE_BEFORE = re.compile(r"\b(?:tăng|giảm|lên|xuống|rose|fell|grew|increased|decreased|dropped|climbed)\s+(?:\w+\s+)?$",
                            re.IGNORECASE)
RANGE_REACH = 40  # characters before a span searched for the range's first end


def _with_ranges(sentence: str, found: list[_Found]) -> list[_Found]:
    """A date, count or duration that ends a range answers with the whole range ("từ 150 đến 250
    triệu đồng", not "250 triệu"); the range's first end is no answer of its own then. Not for a
    question asking one side of a period (`_period_side_asked`)."""
    ranged, first_ends = [], []
    for f in found:
        m = _RANGE_BEFORE.search(sentence, max(0, f.start - RANGE_REACH), f.start)
        if m is None or (m.group(0).lower().startswith(("từ", "from")) and
                         _CHANGE_BEFORE.search(sentence, max(0, m.start() - 20), m.start())):
            ranged.append(f)
            continue
        ranged.append(_from(sentence, f, m.start()))
        first_ends.append((m.start(), f.start))
    return [f for f in ranged if not any(s <= f.start and f.end <= e for s, e in first_ends)]


# "hơn 200 y bác sĩ", "gần 3 m", "up to 30%": a bound, kept with the amount; "200 y bác sĩ" alone
# would say more than the article does. Not "khoảng" (about): on XQuAD-vi's amounts, keeping it
# lowered F1 (the answers leave it out) and "about 40,000" reads much as "40,000" does. Each
# Vietnamese bound with the English an English reader is shown.
QUALIFIERS = {"hơn": "more than", "gần": "nearly", "trên": "over", "dưới": "under", "ít nhất": "at least",
              "tối đa": "at most", "tới": "up to", "lên tới": "up to"}
_QUALIFIER_BEFORE = re.compile(rf"(?<!\w)(?:{'|'.join(QUALIFIERS)}|more than|over|nearly|almost|at least|up to)\s+$",
                               re.IGNORECASE)


def _with_qualifier(sentence: str, found: _Found, question: Question) -> _Found:
    """The amount with the qualifier before it, unless the question says it ("sốt trên bao
    nhiêu độ?" → "39 độ")."""
    m = _QUALIFIER_BEFORE.search(sentence, max(0, found.start - 12), found.start)
    asked_before = question.folded[question.asked_at - 1] if question.asked_at else ""
    if m is None or fold(m.group(0).split()[-1].lower()) == asked_before:
        return found
    return _from(sentence, found, m.start())


def _from(sentence: str, found: _Found, start: int) -> _Found:
    """The span widened back to `start`: what stands before it is read and measured with it, and
    so is a part of the day shown before the value ("từ đêm 22/7 đến | sáng 24/7"); a unit shown
    after it stays out of the measure, as alone."""
    head = sentence[start:found.start]
    prefix = found.shown[:-len(found.value)].strip().lower() if found.shown.endswith(found.value) else ""
    inner = found.shown if prefix in _PARTS_OF_DAY else found.value
    return replace(found, value=head + inner, shown=head + found.shown, start=start)


def find_span(sentence: str, question: Question, needs: Requirements, terms: dict[str, float],
              context: Sequence[str] = ()) -> _Found | None:
    """The best span of the kind asked in one sentence: nearest the question's words. `context`
    is the text around it (its article's retrieved passages), where a name may be written whole."""
    if asks_role(question, needs):
        found = _roles(sentence, question, needs, context)
    elif question.kind == "person":
        found = _persons(sentence, question, needs, terms, context)
    elif question.kind == "date":
        found = _dates(sentence, question)
    elif question.kind == "number" and needs.count_unit is not None:
        found = _numbers(sentence, question, needs)
    elif question.kind == "place":
        found = _places(sentence, question)
    elif question.kind == "rank":
        found = _ranks(sentence, question, needs, terms)
    elif question.kind == "which":
        found = _named_things(sentence, question)
    elif question.kind == "duration":
        found = _durations(sentence)
    else:
        return None
    if question.kind in ("date", "number", "duration") and _asks_whole_period(question):
        found = _with_ranges(sentence, found)
    if question.kind in ("number", "duration"):
        found = [_with_qualifier(sentence, f, question) for f in found]
    if not found:
        return None
    tokens = _folded_tokens(sentence)
    slot = question.asked_at
    folded = question.folded
    # The question's words right before and after its question word ("tầm nhìn đến năm | nào").
    cloze_before = {w for w in folded[max(0, slot - CLOZE):slot] if w not in STOPWORDS}
    cloze_after = {w for w in folded[slot + 1:slot + 1 + CLOZE] if w not in STOPWORDS}

    def closeness(f: _Found) -> float:
        """Question words near the span, rarer ones counting more; in a Vietnamese question,
        also its words next to the question word found next to the span on the same side ("tầm
        nhìn đến năm nào" → "tầm nhìn đến năm 2045", not "2030, tầm nhìn")."""
        first = next((i for i, t in enumerate(tokens) if t[2] > f.start), len(tokens))
        last = next((i for i, t in enumerate(tokens) if t[1] >= f.end), len(tokens)) - 1
        total = 0.0
        for i, (word, _, _) in enumerate(tokens):
            weight = terms.get(word, 0.0)
            if not weight or first <= i <= last:
                continue
            total += weight / (first - i if i < first else i - last)
        if question.vietnamese:
            total += sum(terms.get(w, 1.0) for w in cloze_before & {t[0] for t in tokens[max(0, first - CLOZE):first]})
            total += sum(terms.get(w, 1.0) for w in cloze_after & {t[0] for t in tokens[last + 1:last + 1 + CLOZE]})
        return f.bonus - f.against + total / 10
    fits = [closeness(f) for f in found]
    # A report's date answers only when its sentence has no other ("Tối 20/6, … cho biết bé Minh …
    # đã được xuất viện": none says when; "Ngày 30/9, … cho biết chiến dịch … từ 1/10 đến 15/11"
    # does), and then the date of another quote outranks it.
    told = [i for i, f in enumerate(found) if not f.reported] or range(len(found))
    best = max(told, key=fits.__getitem__)
    penalty = REPORTING_DATE_PENALTY if found[best].reported else 0.0
    return replace(found[best], fit=fits[best] - penalty, against=found[best].against + penalty)


def question_terms(question: Question, weights: dict[str, float]) -> dict[str, float]:
    """The folded syllables to look for around a span, by rarity: the question's own and their
    glossary equivalents (for an English question). Not the words of an LLM's translation
    (rag/translation.py): on XQuAD-vi they raised short-answer F1 on one half and lowered it on
    the other, and a mistranslated title sent a seed question to the wrong person."""
    out = {t: w for t, w in weights.items() if " " not in t}
    for word in question.folded:
        if word not in STOPWORDS:
            out.setdefault(word, 1.0)
    for group in SAME_MEANING:  # "ca mổ xong lúc mấy giờ" looks for "kết thúc" beside the time
        asked = [phrase for phrase in group if contains_run(question.folded, phrase)]
        if asked:
            weight = max(out.get(syllable, 1.0) for syllable in asked[0])
            for phrase in group:
                for syllable in phrase:
                    out.setdefault(syllable, weight)
    return out
