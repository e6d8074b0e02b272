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
   → "12 vụ"); without a unit we can read, any number that is not a date or a year.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field

from rag.glossary import vietnamese_equivalents
from rag.question import Question, Word
from rag.text import STOPWORDS, fold, folded_syllables, normalize

# Titles a "who" question asks for (folded syllables), longest first so "tong bi thu" wins.
TITLES = sorted([("giam", "doc"), ("chu", "tich"), ("bi", "thu"), ("tong", "bi", "thu"), ("bo", "truong"),
                 ("thu", "truong"), ("thu", "tuong"), ("tu", "lenh"), ("chanh", "an"), ("vien", "truong"),
                 ("truong", "doan"), ("truong", "ban"), ("truong", "phong"), ("tong", "giam", "doc")],
                key=len, reverse=True)
DEPUTY = "pho"
_VAGUE_LEADER = re.compile(r"\b(?:leads?|heads?|chief)\b", re.IGNORECASE)
# An abbreviated organisation and the first syllable of its written-out form.
ORGANISATION_ABBREVIATIONS = {"ubnd": "uy", "hdnd": "hoi"}
# Syllables before a place name in a question typed in lower case ("cong an tp ho chi minh").
PLACE_WORDS = (("thanh", "pho"), ("tinh",))
MAX_PLACE_SYLLABLES = 4
MAX_NAME_SYLLABLES = 4  # of an unknown name, as shown in the abstention

_WHAT_PERCENTAGE = re.compile(r"\bwhat (?:percentage|percent)\b", re.IGNORECASE)
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
# "Đà Nẵng" fits, "Tesla" or "Carolina" does not, so foreign names are not taken for Vietnamese ones.
_VIETNAMESE_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?")
PERCENT_UNITS = {"phan", "percent", "percentage"}


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
        if self.title and not holds_title(folded_syllables(sentence), self):
            return False
        return self.count_unit is None or _holds_count(sentence, self.count_unit)


def _subsequence_at(words: list[str], part: tuple[str, ...]) -> list[int]:
    n = len(part)
    return [i for i in range(len(words) - n + 1) if tuple(words[i:i + n]) == part]


def holds_title(words: list[str], req: Requirements) -> bool:
    """Do the (folded) words hold the title asked, not its deputy, of the organisation asked?"""
    wanted_org = {req.organisation, ORGANISATION_ABBREVIATIONS.get(req.organisation, req.organisation)}
    for i in _subsequence_at(words, req.title):
        deputy = i > 0 and words[i - 1] == DEPUTY
        after = i + len(req.title)
        org = words[after] if after < len(words) else ""
        org_ok = not req.organisation or org in wanted_org or ORGANISATION_ABBREVIATIONS.get(org) in wanted_org
        if deputy == req.deputy and org_ok:
            return True
    return False


def _holds_count(sentence: str, unit: str) -> bool:
    """A number (digits or a number word) of `unit`, next to it: "12 vụ", "2.000 lượt",
    "1,5 triệu người", "17,1%", or "ở tuổi 39"; any number when the unit is "". Dates and years
    are not counts."""
    return any(count_spans(sentence, unit))


_RANGE_DASHES = {"-", "–", " - ", " – "}
_COUNT_TOKEN = re.compile(r"\d+(?:/\d+)+|\d{1,2}:\d\d(?!\d)|\d(?:[\d.,]*\d)?(?:\s*%)?|\w+")  # dates, clock times, numbers, words


def count_spans(sentence: str, unit: str, asked: Container[str] = ()) -> Iterator[tuple[str, str, int, int]]:
    """Each count of `unit` in the sentence (any count when `unit` is ""), as (the number as
    written, the number with its unit, start, end). The unit shown runs on over the words the
    question also uses ("6 vấn đề" for "bao nhiêu vấn đề"). The unit may follow an aside in
    brackets ("68.511 (43,3%) hộ gia đình"), and "năm" counts when the unit or a magnitude
    follows it ("năm tuyến", "năm triệu"), not otherwise (mostly "year")."""
    text = normalize(sentence)
    matches = list(_COUNT_TOKEN.finditer(text))
    tokens = [m.group(0).lower() for m in matches]

    def joined(i: int) -> bool:
        """Token i + 1 follows token i after spaces only."""
        return i + 1 < len(tokens) and not text[matches[i].end():matches[i + 1].start()].strip()

    def unit_after(i: int) -> int | None:
        """The index of the word after token i: next, or after a bracketed aside."""
        if joined(i):
            return i + 1
        gap_end = matches[i + 1].start() if i + 1 < len(tokens) else len(text)
        if text[matches[i].end():gap_end].strip() != "(":
            return None
        close = text.find(")", matches[i].end())
        k = next((k for k in range(i + 1, len(tokens)) if matches[k].start() > close), None)
        return k if close >= 0 and k is not None and not text[close + 1:matches[k].start()].strip() else None

    consumed = -1  # the last token of the previous number
    for i, token in enumerate(tokens):
        if i <= consumed:
            continue
        if token == "năm" and joined(i) and (tokens[i + 1] in _MAGNITUDES or (unit and fold(tokens[i + 1]) == unit)):
            pass  # "năm tuyến", "năm triệu": five
        elif not (token[0].isdigit() or token in _NUMBER_WORDS) or (token == "trăm" and i and tokens[i - 1] == "phần"):
            continue  # not a number, or "phần trăm": per cent
        if "/" in token or (i > 0 and tokens[i - 1] in _DATE_WORDS):
            continue  # a date ("15/12", "năm 2024") counts nothing
        last = i
        while (joined(last) and (tokens[last + 1] in _MAGNITUDES - {"of"} or tokens[last + 1] in _NUMBER_WORDS
                                 or tokens[last + 1] in _NUMBER_TAILS or tokens[last + 1][0].isdigit())) or \
                (last + 1 < len(tokens) and tokens[last + 1][0].isdigit()
                 and text[matches[last].end():matches[last + 1].start()] in _RANGE_DASHES):
            last += 1  # the rest of the number: "mười một", "1,5 triệu", "27-30%"
        if joined(last) and joined(last + 1) and tokens[last + 1:last + 3] == ["phần", "trăm"]:
            last += 2  # "10 phần trăm", as "10%"
        consumed = last
        start, end = matches[i].start(), matches[last].end()
        value = sentence[start:end]
        after = unit_after(last)
        following = after is not None and fold(tokens[after]) == unit
        if not unit:
            if _YEAR.fullmatch(token):
                continue  # nor does a bare year, unless a unit follows ("2000 khách")
            yield value, value, start, end
        elif unit in PERCENT_UNITS and (tokens[last].endswith("%") or tokens[last - 1:last + 1] == ["phần", "trăm"]):
            yield value, value, start, end
        elif following:
            stop = after
            while (stop + 1 < len(tokens) and fold(tokens[stop + 1]) in asked and not matches[stop + 1].group(0)[0].isupper()
                   and joined(stop)):
                stop += 1
            unit_words = sentence[matches[after].start():matches[stop].end()]
            yield value, f"{value} {unit_words}" if after > last + 1 else sentence[start:matches[stop].end()], start, end
        elif i > 0 and fold(tokens[i - 1]) == unit:
            yield value, sentence[matches[i - 1].start():end], start, end


def looks_vietnamese(syllable: str) -> bool:
    return bool(_VIETNAMESE_SYLLABLE.fullmatch(syllable))


def _name_runs(words: list[Word], vocabulary: Container[str], casual: bool) -> list[list[Word]]:
    """Runs of capitalised Vietnamese-looking syllables the corpus knows one by one, plus, in a
    question typed casually (lower case, no diacritics), the syllables after "tp"/"tỉnh" up to
    the next question word ("tp ho chi minh la ai" → "ho chi minh")."""
    runs: list[list[Word]] = [[]]
    for word in words:
        if word.after_break and runs[-1]:
            runs.append([])
        if word.capital and looks_vietnamese(word.syllable) and word.syllable in vocabulary:
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


def _names(words: list[Word], known_names: Container[str], vocabulary: Container[str], casual: bool,
           ) -> tuple[list[str], str]:
    """Vietnamese names the question writes as names and the corpus knows (folded, joined), and
    one the corpus lacks, as written ("Đà Nẵng", "Da Nang", "ho chi minh"): a run none of whose
    pairs it holds. In a casual question any known pair counts, as nothing is capitalised."""
    known = [a.syllable + b.syllable for a, b in zip(words, words[1:])
             if (casual or (a.capital and b.capital)) and not b.after_break
             and looks_vietnamese(a.syllable) and looks_vietnamese(b.syllable)
             and a.syllable + b.syllable in known_names]
    unknown = next((" ".join(w.written for w in run[:MAX_NAME_SYLLABLES]) for run in _name_runs(words, vocabulary, casual)
                    if not any(a.syllable + b.syllable in vocabulary for a, b in zip(run, run[1:]))), "")
    return known, unknown


def _title(question: str, words: list[Word], vietnamese: bool, casual: bool) -> tuple[tuple[str, ...], str, bool]:
    """The title a "who" question asks for, the organisation written right after it (capitalised,
    or anything in a casual question), and whether the deputy is meant."""
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
            if after < len(words) and (casual or words[after].capital) and syllables[after] not in STOPWORDS:
                org = syllables[after]
            return title, org, i > 0 and syllables[i - 1] == DEPUTY
    return (), "", False


def _count_unit(question: str, words: list[Word], vietnamese: bool) -> str | None:
    """The unit a "how many" question counts, "" when it names none we can read."""
    if vietnamese:
        syllables = [w.syllable for w in words]
        found = _subsequence_at(syllables, ("bao", "nhieu"))
        if not found:
            return None
        after = found[0] + 2
        unit = syllables[after] if after < len(syllables) else ""
        return "" if unit in STOPWORDS or unit in _NOT_UNITS else unit
    if _WHAT_PERCENTAGE.search(question):
        return "phan"  # "phần trăm", or a number written with "%"
    match = _HOW_MANY.search(question)
    if not match:
        return None
    # The counted noun ends the words before the verb or preposition: "drug cases did" → cases.
    counted = []
    for word in match.group(1).split():
        if word.lower() in STOPWORDS:
            break
        counted.append(word)
    phrases = vietnamese_equivalents(" ".join(counted))
    return phrases[-1][0] if phrases else ""


def requirements(question: Question, known_names: Container[str], vocabulary: Container[str],
                 documents_with: Callable[[str], frozenset[str]]) -> Requirements:
    """Read the question for the requirements above; `documents_with(term)` gives the articles
    whose text contains a folded, joined term."""
    words = list(question.words)
    known, unknown = _names(words, known_names, vocabulary, question.casual)
    if unknown:
        return Requirements(unknown_name=unknown)
    title, organisation, deputy = (), "", False
    if question.kind == "person":
        title, organisation, deputy = _title(question.text, words, question.vietnamese, question.casual)
    return Requirements(name_documents={name: documents_with(name) for name in known}, title=title,
                        organisation=organisation, deputy=deputy,
                        count_unit=_count_unit(question.text, words, question.vietnamese))
