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
4. "how many <unit>": the sentence must hold a number of that unit ("bao nhiêu vụ" → "12 vụ");
   without a known unit, any number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass, field

from rag.glossary import vietnamese_equivalents
from rag.text import EXPANSIONS, STOPWORDS, fold, folded_syllables, normalize

_WORD = re.compile(r"\w+")

# Titles a "who" question asks for (folded syllables), longest first so "tong bi thu" wins.
TITLES = sorted([("giam", "doc"), ("chu", "tich"), ("bi", "thu"), ("tong", "bi", "thu"), ("bo", "truong"),
                 ("thu", "truong"), ("thu", "tuong"), ("tu", "lenh"), ("chanh", "an"), ("vien", "truong"),
                 ("truong", "doan"), ("truong", "ban"), ("truong", "phong"), ("tong", "giam", "doc")],
                key=len, reverse=True)
DEPUTY = "pho"
# An abbreviated organisation and the first syllable of its written-out form.
ORGANISATION_ABBREVIATIONS = {"ubnd": "uy", "hdnd": "hoi"}
# Syllables before a place name in a question typed in lower case ("cong an tp ho chi minh").
PLACE_WORDS = (("thanh", "pho"), ("tinh",))

_QUESTION_TYPES = {
    "person": re.compile(r"\b(who|whom|whose|ai)\b"),
    "number": re.compile(r"\b(how many|how much|what percentage|bao nhieu)\b"),
    "date": re.compile(r"\b(when|what year|what date|khi nao|bao gio|ngay nao|nam nao|thang nao|luc nao)\b"),
}
_HOW_MANY = re.compile(r"\bhow (?:many|much)\b((?:\s+[\w'-]+){0,3})", re.IGNORECASE)
# "một" and "năm" are left out: mostly the article "a" ("một nhiệm vụ") and "year".
_NUMBER_WORDS = {"hai", "ba", "bốn", "sáu", "bảy", "tám", "chín", "mười", "mươi", "trăm",
                 "nghìn", "ngàn", "triệu", "tỷ", "tỉ", "chục", "vài", "one", "two", "three", "four", "five",
                 "six", "seven", "eight", "nine", "ten", "hundred", "hundreds", "thousand", "thousands",
                 "million", "millions", "billion", "dozen", "dozens"}
_NUMBER = re.compile(r"\d[\d.,]*\s*%?")
# Words that may stand between a number and its unit ("1,5 triệu người", "hundreds of people").
_MAGNITUDES = {"trăm", "nghìn", "ngàn", "triệu", "tỷ", "tỉ", "chục", "hundred", "hundreds", "thousand",
               "thousands", "million", "millions", "billion", "of"}
_YEAR = re.compile(r"(?:19|20)\d\d[.,]?\s*")
_DATE_WORDS = {"ngày", "tháng", "năm", "year", "in", "since"}
PERCENT_UNITS = {"phan", "percent", "percentage"}


def answer_type(question: str) -> str | None:
    """What the question asks for, if it says: person, number or date."""
    folded = " ".join(folded_syllables(question))
    return next((kind for kind, pattern in _QUESTION_TYPES.items() if pattern.search(folded)), None)


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
        if self.title and not _holds_title(folded_syllables(sentence), self):
            return False
        return self.count_unit is None or _holds_count(sentence, self.count_unit)


def _subsequence_at(words: list[str], part: tuple[str, ...]) -> list[int]:
    n = len(part)
    return [i for i in range(len(words) - n + 1) if tuple(words[i:i + n]) == part]


def _holds_title(words: list[str], req: Requirements) -> bool:
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
    """A number (digits or a number word) with `unit` right after it ("12 vụ", "2.000 lượt",
    "1,5 triệu người", "17,1%"); any number when the unit is ""."""
    tokens = re.findall(r"\d+(?:/\d+)+|\d[\d.,]*\s*%?|\w+", normalize(sentence).lower())
    for i, token in enumerate(tokens):
        if not (token[0].isdigit() or token in _NUMBER_WORDS):
            continue
        if "/" in token or (i > 0 and tokens[i - 1] in _DATE_WORDS) or _YEAR.fullmatch(token):
            continue  # a date ("15/12", "năm 2024", "2025") counts nothing
        if not unit or (unit in PERCENT_UNITS and token.endswith("%")):
            return True
        following = tokens[i + 1:]
        while following and following[0] in _MAGNITUDES:
            following = following[1:]
        if following and fold(following[0]) == unit:
            return True
    return False


def _question_words(question: str) -> list[tuple[str, bool]]:
    """(folded syllable, capitalised and not the first word) for each syllable of the question;
    an abbreviation's expansion ("TP" → "thành phố") is not a name."""
    words: list[tuple[str, bool]] = []
    for i, word in enumerate(_WORD.findall(normalize(question))):
        expansion = EXPANSIONS.get(word.lower())
        if expansion:
            words += [(fold(s), False) for s in expansion]
        else:
            words.append((fold(word.lower()), i > 0 and word[0].isupper()))
    return words


def _name_runs(words: list[tuple[str, bool]], vocabulary: Container[str]) -> list[list[str]]:
    """Runs of capitalised syllables that look Vietnamese (each known to the corpus as a syllable),
    plus, in a question typed all in lower case, the two syllables after "tp"/"tỉnh"."""
    runs: list[list[str]] = [[]]
    for syllable, capital in words:
        if capital and syllable in vocabulary:
            runs[-1].append(syllable)
        elif runs[-1]:
            runs.append([])
    if not any(capital for _, capital in words):
        syllables = [w for w, _ in words]
        for place in PLACE_WORDS:
            for start in _subsequence_at(syllables, place):
                after = syllables[start + len(place):start + len(place) + 2]
                if all(s in vocabulary and s not in STOPWORDS for s in after):
                    runs.append(after)
    return [run for run in runs if len(run) >= 2]


def _names(words: list[tuple[str, bool]], known_names: Container[str], vocabulary: Container[str],
           ) -> tuple[list[str], str]:
    """Corpus names the question mentions (folded, joined), and a Vietnamese-looking name the corpus
    lacks ("Đà Nẵng", "Da Nang", "tp ho chi minh"): a run none of whose pairs the corpus holds."""
    syllables = [w for w, _ in words]
    known = [a + b for a, b in zip(syllables, syllables[1:]) if a + b in known_names]
    unknown = next((" ".join(run) for run in _name_runs(words, vocabulary)
                    if not any(a + b in vocabulary for a, b in zip(run, run[1:]))), "")
    return known, unknown


def _title(question: str, words: list[str], vietnamese: bool) -> tuple[tuple[str, ...], str, bool]:
    """The title a "who" question asks for, the organisation syllable after it, and whether the
    deputy is meant."""
    if not vietnamese:
        phrases = [tuple(p) for p in vietnamese_equivalents(question)]
        title = next((p for p in phrases if p in TITLES), ())
        return title, "", (DEPUTY,) in phrases
    for title in TITLES:
        found = _subsequence_at(words, title)
        if found:
            i = found[0]
            after = i + len(title)
            org = words[after] if after < len(words) and words[after] not in STOPWORDS else ""
            return title, org, i > 0 and words[i - 1] == DEPUTY
    return (), "", False


def _count_unit(question: str, words: list[str], vietnamese: bool) -> str | None:
    """The unit a "how many" question counts, "" when it names none we can read."""
    if vietnamese:
        found = _subsequence_at(words, ("bao", "nhieu"))
        if not found:
            return None
        after = found[0] + 2
        return words[after] if after < len(words) and words[after] not in STOPWORDS else ""
    match = _HOW_MANY.search(question)
    if not match:
        return None
    for phrase in vietnamese_equivalents(match.group(1)):
        return phrase[0]
    return ""


def requirements(question: str, vietnamese: bool, known_names: Container[str], vocabulary: Container[str],
                 documents_with: Callable[[str], frozenset[str]]) -> Requirements:
    """Read the question for the requirements above; `documents_with(term)` gives the articles
    whose text contains a folded, joined term."""
    words = _question_words(question)
    known, unknown = _names(words, known_names, vocabulary)
    if unknown:
        return Requirements(unknown_name=unknown)
    syllables = [w for w, _ in words]
    title, organisation, deputy = _title(question, syllables, vietnamese) if answer_type(question) == "person" else ((), "", False)
    return Requirements(name_documents={name: documents_with(name) for name in known}, title=title,
                        organisation=organisation, deputy=deputy,
                        count_unit=_count_unit(question, syllables, vietnamese))
