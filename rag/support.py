"""What a quoted sentence must hold to answer the question: the checks similarity cannot make.

Near-miss questions defeat a similarity threshold. "Who leads Da Nang police?" scores as high
against "…, Director of Hanoi police" as the Hanoi question does, and "How many drug offenders
did Hai Phong police arrest at Tet?" sits close to the Hai Phong Tet article that gives no count
(on eval/seeds.jsonl the best unanswerable question out-scored the worst answerable one by 0.5).
So, besides the calibrated threshold, the question is read for four plain requirements:

1. a Vietnamese-looking name that no article contains (a city the corpus never mentions):
   no article can answer;
2. the names the corpus does know must all occur in the quoted sentence's article;
3. "who is the <title> …": the sentence must hold that title, not its deputy ("Phó Chủ tịch" does
   not answer "Chủ tịch"), and in a Vietnamese question with the organisation word that follows
   it ("Bí thư Thành ủy" is not "Bí thư Đảng ủy");
4. "how many <unit>": the sentence must hold a number with that unit next to it ("bao nhiêu vụ"
   → "12 vụ"), or a few words after a classifier ("bao nhiêu cuộc họp" → "2.000 lượt kỳ
   họp/cuộc họp"); without a unit we can read, any number that is not a date or a year.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field

from rag.glossary import english_places, head_equivalent, vietnamese_equivalents
from rag.question import RATE_QUESTION, TITLES, Question, Word, names_money
from rag.text import STOPWORDS, fold, folded_syllables, has_diacritics, is_stopword, normalize, syllables

DEPUTY = "pho"
# Words before a one-syllable place ("Công an Huế", "TP Vinh"), folded.
_PLACE_BEFORE_SINGLE = [("cong", "an"), ("thanh", "pho"), ("tinh",), ("quan",), ("huyen",), ("xa",), ("phuong",)]
_VAGUE_LEADER = re.compile(r"\b(?:leads?|heads?|chief)\b", re.IGNORECASE)
# An abbreviated organisation and the first syllable of its written-out form.
ORGANISATION_ABBREVIATIONS = {"ubnd": "uy", "hdnd": "hoi"}
MAX_POST_WORDS = 8  # a title's organisation written in full, up to its abbreviation in brackets
# Syllables before a place name in a question typed in lower case ("cong an tp ho chi minh").
PLACE_WORDS = (("thanh", "pho"), ("tinh",))
MAX_PLACE_SYLLABLES = 4
MAX_NAME_SYLLABLES = 4  # of an unknown name, as shown in the abstention

_WHAT_PERCENTAGE = re.compile(rf"\bwhat (?:percentage|percent)\b|\b{RATE_QUESTION}\b", re.IGNORECASE)
_MONEY_ASKED = re.compile(r"\bhow much\b.*\b(?:cost|costs|spend|spent|pay|paid|charge|charged|fined|worth|raise|raised)\b",
                          re.IGNORECASE)
# What an English question counts in a currency ("How much public investment capital …").
_MONEY_NOUNS = {"money", "cash", "capital", "funding", "funds", "investment", "revenue", "revenues", "budget",
                "compensation", "salary", "profit", "profits", "turnover", "tax", "taxes", "fee", "fees", "price",
                "cost", "costs", "loan", "loans", "debt", "donations", "aid", "damage", "losses", "fine", "fines"}
_PLURAL_NOUNS = {"people", "children", "men", "women", "police", "staff", "personnel"}
_HOW_MANY = re.compile(r"\bhow (?:many|much)\b((?:\s+[\w'-]+){0,3})", re.IGNORECASE)
# "một" and "năm" are left out: mostly the article "a" ("một nhiệm vụ") and "year".
_NUMBER_WORDS = {"hai", "ba", "bốn", "sáu", "bảy", "tám", "chín", "mười", "mươi", "trăm",
                 "nghìn", "ngàn", "triệu", "tỷ", "tỉ", "chục", "vài", "one", "two", "three", "four", "five",
                 "six", "seven", "eight", "nine", "ten", "hundred", "hundreds", "thousand", "thousands",
                 "million", "millions", "billion", "dozen", "dozens"}
# Number words that only continue a number ("mười một", "hai mươi lăm").
_NUMBER_TAILS = {"một", "mốt", "lăm", "rưỡi", "and"}
# Words that may stand between a number and its unit ("1,5 triệu người", "hundreds of people").
_MAGNITUDES = {"trăm", "nghìn", "ngàn", "triệu", "tỷ", "tỉ", "chục", "hundred", "hundreds", "thousand",
               "thousands", "million", "millions", "billion", "of"}
_YEAR = re.compile(r"(?:19|20)\d\d[.,]?\s*")
_DATE_WORDS = {"ngày", "tháng", "năm", "year", "in", "since"}
# Words after "bao nhiêu" that are no unit: "bao nhiêu so với …", "bao nhiêu để …".
_NOT_UNITS = {"so", "de", "hon", "nua", "thi", "khi"}
# A plain Vietnamese syllable, folded: initial consonant(s), one to three vowels, final consonant(s).
# "Đà Nẵng" fits, "Tesla" or "Carolina" does not, so foreign names are not taken for Vietnamese ones;
# "ăk" ends the Central Highlands' names ("Đắk Lắk", "Krông Pắk").
_VIETNAMESE_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
                                  r"(?:[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?|ak)")
PERCENT_UNITS = {"phan", "percent", "percentage"}
# Classifiers and measure words that stand between a number and what it counts ("2.000 lượt kỳ
# họp", "20 chiếc xe", "3 đợt kiểm tra"), folded; the counted word may follow within a few words.
CLASSIFIERS = {"luot", "chiec", "cai", "con", "cuoc", "bo", "ky", "dot", "can", "ngoi", "tam", "qua", "to", "vu",
               "ban", "cay", "doi", "loai", "nhom", "hang",
               "usd", "dong", "euro"}  # an amount of money in what it buys ("230 triệu USD cổ phần")
MAX_CLASSIFIED_WORDS = 6
# What a question counts and the words the articles count it with, folded first syllables: money
# is counted in a currency; cases as "vụ" (police news), "ca" or "trường hợp" (health news), and
# an English question's "cases" is read as "vụ án" (rag/glossary.py); people asked about are
# counted as cases too ("bao nhiêu người tử vong" → "2 ca tử vong"), not as incidents ("vụ");
# patients ("bệnh nhân", "người bệnh") as people and cases; children as "trẻ", "bé", "cháu" or
# "em", pupils ("học sinh") as "em"; money asked as "kinh phí" in a currency; trips
# ("chuyến") as "lượt"; a unit of measure as either spelling ("gam", "gram").
_MONEY = {"dong", "usd", "vnd", "do", "euro", "yen", "bang", "ty", "trieu"}
_MONEY_WRITTEN = {"đồng", "usd", "vnd", "đô", "euro", "yên", "bảng", "tỷ", "tỉ", "triệu"}
MONEY_ASKED = {"tien", "kinh"}  # "bao nhiêu tiền", "bao nhiêu kinh phí"
UNIT_EQUIVALENTS = {"tien": _MONEY, "kinh": _MONEY,
                    "chuyen": {"luot"}, "luot": {"chuyen"},
                    "ca": {"truong", "vu", "nguoi", "benh"}, "truong": {"ca", "vu", "nguoi"}, "vu": {"ca", "truong"},
                    "nguoi": {"ca", "truong", "benh"}, "benh": {"nguoi", "ca", "truong"},
                    "tre": {"be", "chau", "em"}, "be": {"tre", "chau", "em"}, "chau": {"tre", "be", "em"},
                    "em": {"tre", "be", "chau", "hoc"}, "hoc": {"em"},
                    "nghi": {"doi", "nguoi"},  # suspects ("nghi phạm") are counted as "đối tượng"
                    "gam": {"gram", "g"}, "gram": {"gam", "g"}, "kg": {"kilogam", "kilogram"},
                    "kilogam": {"kg", "kilogram"}, "lit": {"l"}, "met": {"m"}, "km": {"kilomet"}, "kilomet": {"km"}}


AccentedCounts = Callable[[list[str]], dict[str, int]]  # terms as written → how many articles hold each


@dataclass(frozen=True)
class Requirements:
    """What any quoted sentence must satisfy; the empty default asks for nothing."""

    unknown_name: str = ""                                  # no article can answer
    name_documents: dict[str, frozenset[str]] = field(default_factory=dict)  # name → articles with it
    title: tuple[str, ...] = ()                             # folded title syllables asked for
    organisation: str = ""                                  # folded syllable right after the title
    deputy: bool = False                                    # the question asks for the deputy
    count_unit: str | None = None                           # None: not "how many"; "": any number

    def supported_by(self, sentence: str, doc_id: str) -> bool:
        """Does `sentence`, from article `doc_id`, meet every requirement?"""
        if any(doc_id not in docs for docs in self.name_documents.values()):
            return False
        if self.title and not holds_title(folded_syllables(sentence), self, sentence):
            return False
        return self.count_unit is None or _holds_count(sentence, self.count_unit)


def _subsequence_at(words: list[str], part: tuple[str, ...]) -> list[int]:
    n = len(part)
    return [i for i in range(len(words) - n + 1) if tuple(words[i:i + n]) == part]


def holds_title(words: list[str], req: Requirements, text: str = "") -> bool:
    """Do the (folded) words of `text` hold the title asked, not its deputy, of the organisation
    asked?"""
    wanted_org = {req.organisation, ORGANISATION_ABBREVIATIONS.get(req.organisation, req.organisation)}
    for i in _subsequence_at(words, req.title):
        deputy = i > 0 and words[i - 1] == DEPUTY
        after = i + len(req.title)
        org = words[after] if after < len(words) else ""
        org_ok = not req.organisation or org in wanted_org or ORGANISATION_ABBREVIATIONS.get(org) in wanted_org \
            or _abbreviation_in_post(words[after:after + MAX_POST_WORDS], req.organisation, text)
        if deputy == req.deputy and org_ok:
            return True
    return False


def _abbreviation_in_post(post: list[str], organisation: str, text: str) -> bool:
    """Is the organisation asked by its abbreviation ("Giám đốc CDC Đồng Tháp") written in
    brackets in the post, after its name in full ("Giám đốc Trung tâm Kiểm soát bệnh tật (CDC)
    Đồng Tháp")? Not an abbreviation further on ("Giám đốc Sở Y tế, cho biết CDC …")."""
    return not looks_vietnamese(organisation) and organisation in post and \
        re.search(rf"\(\s*{re.escape(organisation)}\s*\)", fold(text).lower()) is not None


def _holds_count(sentence: str, unit: str) -> bool:
    """A number (digits or a number word) of `unit`, next to it: "12 vụ", "2.000 lượt",
    "1,5 triệu người", "17,1%", or "ở tuổi 39"; any number when the unit is "". Dates and years
    are not counts."""
    return any(count_spans(sentence, unit))


_RANGE_DASHES = {"-", "–", " - ", " – "}
_COUNT_TOKEN = re.compile(r"\d+(?:/\d+)+|\d{1,2}:\d\d(?!\d)|\d(?:[\d.,]*\d)?(?:\s*%)?|\w+")  # dates, clock times, numbers, words
# Words that carry a number on ("mười một", "1,5 triệu"); "of" only stands before a unit.
_NUMBER_PARTS = (_MAGNITUDES - {"of"}) | _NUMBER_WORDS | _NUMBER_TAILS
_PER_CENT = ["phần", "trăm"]


@dataclass(frozen=True)
class _Tokens:
    """A sentence cut into dates, clock times, numbers and words. Offsets are into the
    normalised text, which is what the tokens were read from."""

    text: str
    matches: list[re.Match[str]]
    words: list[str]  # lower-cased
    accented: bool    # written with diacritics: "tai" is then the word "tai" (tai nạn), not "tại"

    @classmethod
    def of(cls, sentence: str) -> _Tokens:
        text = normalize(sentence)
        matches = list(_COUNT_TOKEN.finditer(text))
        return cls(text, matches, [m.group(0).lower() for m in matches], has_diacritics(text))

    def stopword(self, i: int) -> bool:
        """Is word i a function word, as this sentence writes it?"""
        return _written_stopword(self.words[i], self.accented)

    def gap(self, i: int) -> str:
        """The text between token i and the next one (or the end)."""
        end = self.matches[i + 1].start() if i + 1 < len(self.matches) else len(self.text)
        return self.text[self.matches[i].end():end]

    def joined(self, i: int) -> bool:
        """Token i + 1 follows token i after spaces only: no comma or bracket parts them."""
        return i + 1 < len(self.matches) and not self.gap(i).strip()


@dataclass(frozen=True)
class _Number:
    """A number of the sentence: its first and last token, and its span in the text."""

    first: int
    last: int
    start: int
    end: int


def count_spans(sentence: str, unit: str, asked: Container[str] = ()) -> Iterator[tuple[str, str, int, int]]:
    """Each count of `unit` in the sentence (any count when `unit` is ""), as (the number as
    written, the number with its unit, start, end). The unit shown runs on over the words the
    question also uses ("6 vấn đề" for "bao nhiêu vấn đề"). The unit may follow an aside in
    brackets ("68.511 (43,3%) hộ gia đình"), and "năm" counts when the unit or a magnitude
    follows it ("năm tuyến", "năm triệu"), not otherwise (mostly "year")."""
    tokens = _Tokens.of(sentence)
    for number in _numbers(tokens, unit):
        value = sentence[number.start:number.end]
        if not unit:
            # A bare year is no count; with a unit asked, "2000 khách" still is.
            shown = None if _YEAR.fullmatch(tokens.words[number.first]) else value
        elif unit in PERCENT_UNITS and _is_percentage(tokens, number):
            shown = value
        else:
            shown = _with_unit(sentence, tokens, number, unit, asked)
        if shown is not None:
            yield value, shown, number.start, number.end


def _numbers(tokens: _Tokens, unit: str) -> Iterator[_Number]:
    """The numbers of the sentence, left to right, each taken whole so that its parts ("triệu"
    in "1,5 triệu") are not read again as numbers of their own. Dates count nothing."""
    i = 0
    while i < len(tokens.words):
        if not _starts_number(tokens, i, unit) or _is_date(tokens, i):
            i += 1
            continue
        last = _number_end(tokens, i)
        first = i - 1 if _vague_lead(tokens, i) else i  # "hàng trăm học sinh": hundreds, not 100
        yield _Number(first, last, tokens.matches[first].start(), tokens.matches[last].end())
        i = last + 1


def _vague_lead(tokens: _Tokens, i: int) -> bool:
    """Does "hàng" stand right before the magnitude at `i` ("hàng trăm", "hàng nghìn")?"""
    return i > 0 and tokens.words[i] in _MAGNITUDES and tokens.words[i - 1] == "hàng" and tokens.joined(i - 1)


def _starts_number(tokens: _Tokens, i: int, unit: str) -> bool:
    """Digits or a number word; "năm" only as five, before a magnitude or the unit asked
    ("năm triệu", "năm tuyến"), as it is mostly "year"; "trăm" not in "phần trăm" (per cent)."""
    word = tokens.words[i]
    if word == "năm":
        following = tokens.words[i + 1] if tokens.joined(i) else None
        return following is not None and (following in _MAGNITUDES
                                          or bool(unit) and _is_unit(following, unit, tokens.accented))
    if word == "trăm" and i > 0 and tokens.words[i - 1] == "phần":
        return False
    return word[0].isdigit() or word in _NUMBER_WORDS


def _is_date(tokens: _Tokens, i: int) -> bool:
    """A date counts nothing: "15/12", or a number right after a date word ("năm 2024", "ngày 3";
    not "Sau hai tháng, 5.128 chị em")."""
    return "/" in tokens.words[i] or (i > 0 and tokens.words[i - 1] in _DATE_WORDS and tokens.joined(i - 1))


def _number_end(tokens: _Tokens, first: int) -> int:
    """The last token of the number starting at `first`: "mười một", "1,5 triệu", "27-30%",
    and "10 phần trăm" as "10%"."""
    last = first
    while _continues_number(tokens, last):
        last += 1
    if tokens.words[last + 1:last + 3] == _PER_CENT and tokens.joined(last) and tokens.joined(last + 1):
        last += 2
    return last


def _continues_number(tokens: _Tokens, i: int) -> bool:
    """Does token i + 1 carry on the number that reaches token i?"""
    if i + 1 >= len(tokens.words):
        return False
    following = tokens.words[i + 1]
    if following[0].isdigit() and tokens.gap(i) in _RANGE_DASHES:
        return True  # a range: "27-30%", "10 - 12"
    return tokens.joined(i) and (following in _NUMBER_PARTS or following[0].isdigit())


def _is_percentage(tokens: _Tokens, number: _Number) -> bool:
    """A percentage needs no unit word: "17,1%", "10 phần trăm"."""
    last = number.last
    return tokens.words[last].endswith("%") or tokens.words[last - 1:last + 1] == _PER_CENT


def _with_unit(sentence: str, tokens: _Tokens, number: _Number, unit: str, asked: Container[str]) -> str | None:
    """The number shown with `unit`: after it ("12 vụ", run on over the words asked), after a
    bracketed aside ("68.511 (43,3%) hộ", shown without the aside), a few words after a
    classifier ("20 chiếc xe"), or before it ("tuổi 39"); None when the unit is in none of
    those places."""
    value = sentence[number.start:number.end]
    after = _word_after(tokens, number.last)
    if after is not None and _is_unit(tokens.words[after], unit, tokens.accented):
        stop = _asked_run_end(tokens, _compound_end(tokens, after), asked)
        if after > number.last + 1:
            return f"{value} {sentence[tokens.matches[after].start():tokens.matches[stop].end()]}"
        return sentence[number.start:tokens.matches[stop].end()]
    if after is not None and after == number.last + 1 and fold(tokens.words[after]) in CLASSIFIERS:
        found = _unit_in_phrase(tokens, after, unit)
        if found is not None:
            return sentence[number.start:tokens.matches[_asked_run_end(tokens, found, asked)].end()]
    before = number.first - 1
    if before >= 0 and _is_unit(tokens.words[before], unit, tokens.accented):
        return sentence[tokens.matches[before].start():number.end]
    return None


# Count nouns of two syllables whose first says little alone ("17 bệnh" for "17 bệnh nhân"), folded.
COMPOUND_UNITS = {("benh", "nhan"), ("benh", "nhi"), ("hoc", "sinh"), ("truong", "hop"), ("nguoi", "benh"),
                  ("chi", "em"), ("phu", "nu"), ("tre", "em")}


def _compound_end(tokens: _Tokens, at: int) -> int:
    """The last token of the count noun starting at `at`: the next one too when they make one
    of COMPOUND_UNITS."""
    if tokens.joined(at) and (fold(tokens.words[at]), fold(tokens.words[at + 1])) in COMPOUND_UNITS:
        return at + 1
    return at


def _written_stopword(word: str, accented: bool) -> bool:
    """Is `word` a function word in a sentence written with diacritics (`accented`) or without? In
    the first, a word without marks is itself ("tai" of "tai nạn"), not "tại" typed plainly."""
    return is_stopword(word) and (has_diacritics(word) or not accented)


def _is_unit(word: str, unit: str, accented: bool = False) -> bool:
    """Is `word` (as written, in a sentence `accented` or not) the unit asked, or a word that
    counts the same thing ("bao nhiêu tiền" → "1,2 tỷ đồng", "bao nhiêu ca tử vong" → "12 trường
    hợp tử vong")?"""
    folded = fold(word)
    if _written_stopword(word, accented):
        return False  # "từ 1361" (from): no count of "tử thi"
    if folded in _MONEY and unit in MONEY_ASKED:
        return word.lower() in _MONEY_WRITTEN or not has_diacritics(word)  # "đô" (dollars), not "tiến độ"
    return folded == unit or folded in UNIT_EQUIVALENTS.get(unit, ())


def _unit_in_phrase(tokens: _Tokens, classifier: int, unit: str) -> int | None:
    """The token of `unit` in the few words a classifier leads, which may list several things
    ("2.000 lượt kỳ họp/cuộc họp, sự kiện" for "bao nhiêu cuộc họp" or "bao nhiêu sự kiện"):
    words joined by spaces or a slash, and a comma right before the unit itself (not "80 tấm
    lược, nhiều hơn loài"), up to another number; None when it is not there."""
    i = classifier
    for _ in range(MAX_CLASSIFIED_WORDS):
        if i + 1 >= len(tokens.words) or tokens.gap(i) not in (" ", "/", ", ") or tokens.words[i + 1][0].isdigit():
            return None  # another number counts what follows it
        i += 1
        if tokens.stopword(i):
            return None  # "1 triệu đồng tại các điểm tiêm dịch vụ": the phrase ended at "tại"
        if _is_unit(tokens.words[i], unit, tokens.accented):
            return i
        if tokens.gap(i - 1) == ", ":
            return None
    return None


def _word_after(tokens: _Tokens, i: int) -> int | None:
    """The index of the word after token i: the next one, or the one right after a bracketed
    aside ("68.511 (43,3%) hộ"); None when punctuation parts them."""
    if tokens.joined(i):
        return i + 1
    if tokens.gap(i).strip() != "(":
        return None
    close = tokens.text.find(")", tokens.matches[i].end())
    if close < 0:
        return None
    k = next((k for k in range(i + 1, len(tokens.words)) if tokens.matches[k].start() > close), None)
    return k if k is not None and not tokens.text[close + 1:tokens.matches[k].start()].strip() else None


def _asked_run_end(tokens: _Tokens, at: int, asked: Container[str]) -> int:
    """The last token of the unit that starts at `at`, run on over the lower-case words the
    question also uses ("6 vấn đề" for "bao nhiêu vấn đề"), stopping before a name."""
    stop = at
    while (tokens.joined(stop) and fold(tokens.words[stop + 1]) in asked
           and not tokens.matches[stop + 1].group(0)[0].isupper()):
        stop += 1
    return stop


def looks_vietnamese(syllable: str) -> bool:
    return bool(_VIETNAMESE_SYLLABLE.fullmatch(syllable))


# Words a Vietnamese question often starts with that lead no name ("Theo Thứ trưởng …").
_CLAUSE_LEADS = {"theo", "sau", "truoc", "nam", "ngay", "thang", "hom", "sang", "chieu", "toi", "dem", "neu", "vi",
                 "nhung", "ong", "ba", "anh", "chi", "em", "luc", "tai", "tu", "o", "khi", "trong", "ve", "voi", "do"}


def _leads_a_name(words: list[Word]) -> bool:
    """Is the question's first word (never marked capital) the first syllable of a name: written
    capitalised, with a capitalised word after it, and no word that starts a clause ("Đà Nẵng
    có …", "Gia Lai có …"; not "Theo Thứ trưởng …")?"""
    return len(words) > 1 and words[1].capital and words[0].written[:1].isupper() \
        and words[0].syllable not in _CLAUSE_LEADS and not words[0].stopword


def _name_runs(words: list[Word], vocabulary: Container[str], casual: bool,
               accented_df: AccentedCounts | None = None) -> list[list[Word]]:
    """Runs of capitalised Vietnamese-looking syllables, known to the corpus or not, plus, in a
    question typed casually (lower case, no diacritics), the syllables after "tp"/"tỉnh" up to the
    next question word ("tp ho chi minh la ai" → "ho chi minh"). A run ends before a syllable
    that begins a word the articles write in lower case ("Trưởng khoa Nhiễm Bệnh viện …": no name
    "Nhiễm Bệnh")."""
    runs: list[list[Word]] = [[]]
    for i, word in enumerate(words):
        if word.after_break and runs[-1]:
            runs.append([])
        if (word.capital or i == 0 and _leads_a_name(words)) and looks_vietnamese(word.syllable) \
                and not _begins_common_word(words[i:i + 2], accented_df):
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    if casual:
        syllables = [w.syllable for w in words]
        for place in PLACE_WORDS:
            for start in _subsequence_at(syllables, place):
                run: list[Word] = []
                for word in words[start + len(place):start + len(place) + MAX_PLACE_SYLLABLES]:
                    if word.after_break or word.syllable in STOPWORDS or word.syllable not in vocabulary:
                        break
                    run.append(word)
                runs.append(run)
    return [run for run in runs if len(run) >= 2]


def _begins_common_word(pair: list[Word], accented_df: AccentedCounts | None) -> bool:
    """Is the first (capitalised) word of `pair` the start of a common word the second one ends,
    written in lower case and held by the articles ("Bệnh viện", "Trung tâm")?"""
    if accented_df is None or len(pair) < 2 or not pair[1].written.islower() or pair[1].after_break \
            or pair[1].stopword or not has_diacritics(pair[0].written + pair[1].written):
        return False
    term = "".join(syllables(pair[0].written.lower() + " " + pair[1].written))
    return bool(accented_df([term]).get(term))


def _held(syllables: list[str], vocabulary: Container[str]) -> bool:
    """Does the corpus hold a name's syllables: the syllable, or each pair of neighbours?"""
    if len(syllables) == 1:
        return syllables[0] in vocabulary
    return all(a + b in vocabulary for a, b in zip(syllables, syllables[1:]))


def _names(words: list[Word], known_names: Container[str], vocabulary: Container[str], casual: bool,
           accented_df: AccentedCounts | None = None) -> tuple[list[str], str]:
    """Vietnamese names the question writes as names and the corpus knows (folded, joined), and
    one the corpus lacks, as written ("Đà Nẵng", "Da Nang", "ho chi minh"): a run none of whose
    pairs it holds. In a casual question any known pair counts, as nothing is capitalised."""
    leads = _leads_a_name(words)  # "Bạch Mai tiếp nhận …": the first word is never marked capital
    known = [a.syllable + b.syllable for i, (a, b) in enumerate(zip(words, words[1:]))
             if (casual or ((a.capital or i == 0 and leads) and b.capital)) and not b.after_break
             and looks_vietnamese(a.syllable) and looks_vietnamese(b.syllable)
             and a.syllable + b.syllable in known_names]
    unknown = next((" ".join(w.written for w in run[:MAX_NAME_SYLLABLES]) for run in _name_runs(words, vocabulary, casual, accented_df)
                    if not _run_held(run, vocabulary, accented_df)), "")
    return known, unknown or _unknown_single_name(words, vocabulary, casual)


def _run_held(run: list[Word], vocabulary: Container[str], accented_df: AccentedCounts | None) -> bool:
    """Does the corpus hold a pair of the name's syllables? Written with its marks, as written: "Cần
    Thơ" is not held by an article saying a patient "cần thở" (needs to breathe)."""
    if accented_df is not None and any(has_diacritics(w.written) for w in run):
        pairs = ["".join(syllables(a.written + " " + b.written)) for a, b in zip(run, run[1:])]
        return any(accented_df(pairs).values())
    return any(a.syllable + b.syllable in vocabulary for a, b in zip(run, run[1:]))


def _unknown_single_name(words: list[Word], vocabulary: Container[str], casual: bool) -> str:
    """A one-syllable place the corpus does not hold at all ("Công an Huế", "Hue police"):
    capitalised (or in a question typed in lower case), shaped like a Vietnamese syllable, alone,
    and written as a place. "Yuan", "AAA" or "UN" elsewhere in a question may be written
    differently in the articles ("nhà Nguyên")."""
    syllables = [w.syllable for w in words]
    for i, word in enumerate(words):
        neighbours = words[i - 1:i] + words[i + 1:i + 2]
        if not (word.capital or casual) or word.written.isupper() or not looks_vietnamese(word.syllable) \
                or word.syllable in vocabulary or any(n.capital for n in neighbours):
            continue
        before, after = tuple(syllables[max(0, i - 2):i]), syllables[i + 1:i + 2]
        if any(before[len(before) - len(p):] == p for p in _PLACE_BEFORE_SINGLE) or after in (["police"], ["city"], ["province"]):
            return word.written
    return ""


def _title(question: str, words: list[Word], vietnamese: bool, casual: bool,
           names: Container[str] = ()) -> tuple[tuple[str, ...], str, bool]:
    """The title a "who" question asks for, the organisation written right after it (capitalised,
    or anything in a casual question, but not the person's own name: "Thứ trưởng Nguyễn Duy
    Ngọc"), and whether the deputy is meant. `names` are the question's names, joined in pairs."""
    syllables = [w.syllable for w in words]
    if not vietnamese:
        # Only a title the question names: "leads" or "head" may be a director or a party leader.
        phrases = [tuple(p) for p in vietnamese_equivalents(_VAGUE_LEADER.sub(" ", question))]
        title = next((p for p in phrases if p in TITLES), ())
        return title, "", (DEPUTY,) in phrases
    for title in TITLES:
        found = _subsequence_at(syllables, title)
        if found:
            i, after = found[0], found[0] + len(title)
            org = ""
            if after < len(words) and (casual or words[after].capital) and syllables[after] not in STOPWORDS \
                    and "".join(syllables[after:after + 2]) not in names:
                org = syllables[after]
            return title, org, i > 0 and syllables[i - 1] == DEPUTY
    return (), "", False


def _count_unit(question: Question) -> str | None:
    """The unit a "how many" question counts, "" when it names none we can read."""
    if question.vietnamese:
        counted = question.counted_words
        if counted is None:
            return None
        if question.ordinal:
            return ""  # "xếp hạng mấy trên thế giới": a place in an order, no unit counted
        if not counted:
            return "tien" if _asks_money(question) else ""  # "Giá mỗi suất ăn là bao nhiêu?"
        unit = counted[0]  # as written: "ổ dịch", "độ" are no "ở", "do"
        return "" if unit.stopword or unit.syllable in _NOT_UNITS else unit.syllable
    if _WHAT_PERCENTAGE.search(question.text):
        return "phan"  # "phần trăm", or a number written with "%"
    counted = english_counted(question.text)
    if counted is None:
        return None
    head = head_equivalent(counted[0])
    noun = counted[0].lower().split()[-1:]
    if noun and noun[0] in _MONEY_NOUNS or not head and _MONEY_ASKED.search(question.text):
        return "tien"  # "How much cash …", "How much did the operation cost?": an amount of money
    return head[0] if head else ""


def _asks_money(question: Question) -> bool:
    """Do the words before the question's "bao nhiêu" name an amount of money?"""
    return names_money(question.words[:question.asked_at])


def english_counted(question: str) -> tuple[str, str] | None:
    """What an English "how many" question counts and what it says of them next: the words up to
    the last plural noun ("How many drug cases did …" → "drug cases", "How many people live …" →
    "people", "live"), else up to a past verb ("people died"), before any function word; None
    when it asks no count."""
    match = _HOW_MANY.search(question)
    if not match:
        return None
    words: list[str] = []
    for word in match.group(1).split():
        if word.lower() in STOPWORDS:
            break
        words.append(word)
    plurals = [i for i, w in enumerate(words) if w.lower() in _PLURAL_NOUNS or (len(w) > 3 and w.lower().endswith("s"))]
    past = next((i for i, w in enumerate(words) if i and w.lower().endswith("ed")), len(words))
    head = plurals[-1] + 1 if plurals else past
    return " ".join(words[:head]), " ".join(words[head:])


def requirements(question: Question, known_names: Container[str], vocabulary: Container[str],
                 documents_with: Callable[[str], frozenset[str]],
                 accented_df: AccentedCounts | None = None) -> Requirements:
    """Read the question for the requirements above; `documents_with(term)` gives the articles
    whose text contains a folded, joined term, `accented_df(terms)` how many hold each term as
    written (with its marks; without it, names are looked up folded)."""
    words = list(question.words)
    known, unknown = _names(words, known_names, vocabulary, question.casual, accented_df)
    if not question.vietnamese:
        unknown = unknown or next((place for place, syllables in english_places(question.text)
                                   if not _held(syllables, vocabulary)), "")
    if unknown:
        return Requirements(unknown_name=unknown)
    title, organisation, deputy = (), "", False
    if question.kind in ("person", "rank"):  # "What rank does the Minister … hold?": the Minister's
        title, organisation, deputy = _title(question.text, words, question.vietnamese, question.casual, known)
    return Requirements(name_documents={name: documents_with(name) for name in known}, title=title,
                        organisation=organisation, deputy=deputy,
                        count_unit=_count_unit(question))
