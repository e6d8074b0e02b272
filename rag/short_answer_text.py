"""The short answer written out for the reader, and the check that a text gives a span.

rag/short_answer.py finds the spans (a name, a date, a number, a place) in the quoted sentences
and keeps them as the text writes them, since that is what exact match and F1 measure. This
module turns them into the one sentence shown first, in the question's language: an English
reader gets "7 February 2016" for "ngày 7 tháng 2 năm 2016", "3.5 million" for "3,5 triệu", a
rank in English. `mentions` reads the other way: whether an LLM's answer gives a span in either
form.
"""

from __future__ import annotations

import re
from dataclasses import replace

from rag.posts import english_post
from rag.short_answer import DAY_PARTS, QUALIFIERS, TIME_UNITS, ShortAnswer, Span, contains_run
from rag.text import fold, folded_syllables

LABELS = {
    "en": {"one": "Short answer: {spans}.", "differ": "The articles differ: {spans}.",
           "dated": "article of {date}", "undated": "undated article", "join": "; "},
    "vi": {"one": "Trả lời ngắn: {spans}.", "differ": "Các bài báo nêu khác nhau: {spans}.",
           "dated": "bài ngày {date}", "undated": "bài không ghi ngày", "join": "; "},
}


def short_answer(spans: list[Span], language: str) -> ShortAnswer | None:
    """One sentence in the question's language; differing values are each given with their date."""
    if not spans:
        return None
    labels = LABELS[language]
    best: dict[str, Span] = {}  # one span per article: its best-placed sentence's
    for span in sorted(spans, key=lambda s: -s.score):
        best.setdefault(span.doc_id, span)
    by_value: dict[str, list[Span]] = {}
    for span in sorted(best.values(), key=lambda s: s.n):
        by_value.setdefault(fold(span.value.lower()), []).append(span)
    if len(by_value) == 1:
        group = next(iter(by_value.values()))
        text = labels["one"].format(spans=f"{_reader_form(group[0], language)} " + "".join(f"[{s.n}]" for s in group))
        return ShortAnswer(text, sorted(spans, key=lambda s: -s.score))
    parts = []
    for group in by_value.values():
        dates = {s.date for s in group}
        when = ", ".join(labels["undated"] if d == "unknown" else labels["dated"].format(date=d) for d in sorted(dates))
        parts.append(f"{_reader_form(group[0], language)} ({when}) " + "".join(f"[{s.n}]" for s in group))
    text = labels["differ"].format(spans=labels["join"].join(parts))
    return ShortAnswer(text, sorted(spans, key=lambda s: -s.score))


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
RANKS = {"đại tướng": "General", "thượng tướng": "Colonel General", "trung tướng": "Lieutenant General",
         "thiếu tướng": "Major General", "đại tá": "Senior Colonel", "thượng tá": "Colonel",
         "trung tá": "Lieutenant Colonel", "thiếu tá": "Major", "đại úy": "Captain", "thượng úy": "Senior Lieutenant",
         "trung úy": "Lieutenant", "thiếu úy": "Second Lieutenant"}
MAGNITUDES = {"nghìn": "thousand", "ngàn": "thousand", "triệu": "million", "tỷ": "billion", "tỉ": "billion",
              "trăm": "hundred", "vài": "a few"}
CURRENCIES = {"đồng": "dong", "vnd": "VND", "usd": "USD", "đô": "dollars", "euro": "euros", "yên": "yen"}
_VAGUE_ENGLISH = {"trăm": "hundreds", "nghìn": "thousands", "ngàn": "thousands", "chục": "dozens", "triệu": "millions"}
DIGIT_WORDS = {"một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5, "sáu": 6, "bảy": 7,
               "tám": 8, "chín": 9}
_FULL_DATE = re.compile(r"^(?:ngày )?(\d{1,2}) tháng (\d{1,2}),? (?:năm )?(\d{3,4})$", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"^(?:ngày )?(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?$", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"^tháng (\d{1,2}),? (?:năm )?(\d{3,4})$|^(?:tháng )?(\d{1,2})/(\d{4})$", re.IGNORECASE)
_DAY_MONTH = re.compile(r"^(?:ngày )?(\d{1,2}) tháng (\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^tháng (\d{1,2})$", re.IGNORECASE)
_YEAR_ONLY = re.compile(r"^năm (\d{3,4})$", re.IGNORECASE)
_QUARTER = re.compile(r"^quý (IV|I{1,3}|[1-4])(?:\s*[/-]\s*|,? năm )?(\d{4})?$", re.IGNORECASE)
_DECADE = re.compile(r"^những năm (\d{3,4})$", re.IGNORECASE)
_AGO = re.compile(r"^(.+?) năm trước$", re.IGNORECASE)


# A Vietnamese bound `_with_qualifier` kept before an amount (the longer first: "lên tới", "tới").
_QUALIFIER = re.compile(rf"^({'|'.join(sorted(QUALIFIERS, key=len, reverse=True))})\s+", re.IGNORECASE)
# A range's two ends as `_with_ranges` writes them: "từ ngày 1/6 đến ngày 10/8", "30 đến 50 nghìn".
_RANGE_ENDS = re.compile(r"^(?:(từ|from)\s+)?(.+?)\s+(?:đến|tới|to)\s+(.+)$", re.IGNORECASE)


def _reader_form(span: Span, language: str) -> str:
    """The span as the reader reads it: as written for a Vietnamese reader; for an English one,
    a Vietnamese date in English ("ngày 7 tháng 2 năm 2016" → "7 February 2016"), a number in
    English notation ("3,5 triệu" → "3.5 million") without the Vietnamese unit, a rank and a
    common post in English (rag/posts.py). What is measured (`value`) stays as the text writes it."""
    if language != "en":
        return span.shown
    currency = _currency(span) if span.kind == "number" else ""
    if currency:  # "35 tỷ đồng" → "35 billion dong": the amount is money
        return f"{_reader_form(replace(span, shown=span.value), language)} {currency}"
    written = span.shown if span.kind == "date" else span.value
    qualifier = _QUALIFIER.match(written) if span.kind in ("number", "duration") else None
    if qualifier:
        rest = written[qualifier.end():]
        english = QUALIFIERS.get(qualifier.group(1).lower(), qualifier.group(1))
        return f"{english} {_reader_form(replace(span, value=rest, shown=rest), language)}"
    if span.kind in ("date", "number", "duration") and (m := _RANGE_ENDS.match(written)):
        first, second = (_reader_form(replace(span, value=end, shown=end), language) for end in m.group(2, 3))
        return f"{'from ' if m.group(1) else ''}{first} to {second}"
    if span.kind == "date":
        return english_date(span.shown)
    if span.kind == "number":
        return english_number(span.value)
    if span.kind == "duration":
        return english_duration(span.value)
    shown = span.shown
    if span.kind == "role":
        shown = shown.replace(span.value, english_post(span.value))
    if span.kind in ("person", "rank", "role"):
        for rank, english in RANKS.items():
            if shown.lower().startswith(rank + " "):
                return f"{english} {shown[len(rank) + 1:]}"
    return shown


def _currency(span: Span) -> str:
    """The currency written right after an amount, in English ("đồng" → "dong"), or ""."""
    after = span.shown[len(span.value):].split() if span.shown.startswith(span.value) else []
    return CURRENCIES.get(after[0].lower(), "") if after else ""


def _month(number: str) -> str | None:
    return MONTHS[int(number) - 1] if 1 <= int(number) <= 12 else None


def english_date(text: str) -> str:
    """A Vietnamese date in English words ("sáng 15/10" → "the morning of 15 October"); a form
    not recognised is returned as written."""
    text = " ".join(text.split())
    for part, english in DAY_PARTS.items():
        if text.lower().startswith(part + " ") and (date := english_date(text[len(part) + 1:])) != text[len(part) + 1:]:
            return f"the {english} of {date}"
    if m := _FULL_DATE.match(text):
        month = _month(m.group(2))
        return f"{int(m.group(1))} {month} {m.group(3)}" if month else text
    if m := _NUMERIC_DATE.match(text):  # day first, as Vietnamese writes it
        month = _month(m.group(2))
        valid = month and 1 <= int(m.group(1)) <= 31
        return " ".join(p for p in (str(int(m.group(1))), month, m.group(3)) if p) if valid else text
    if m := _MONTH_YEAR.match(text):
        month = _month(m.group(1) or m.group(3))
        return f"{month} {m.group(2) or m.group(4)}" if month else text
    if m := _DAY_MONTH.match(text):
        month = _month(m.group(2))
        return f"{int(m.group(1))} {month}" if month else text
    if m := _MONTH.match(text):
        return _month(m.group(1)) or text
    if m := _QUARTER.match(text):
        quarter = {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(m.group(1).lower(), m.group(1))
        return f"Q{quarter} {m.group(2)}" if m.group(2) else f"Q{quarter}"
    if m := _YEAR_ONLY.match(text):
        return m.group(1)
    if m := _DECADE.match(text):
        return f"the {m.group(1)}s"
    if m := _AGO.match(text):
        return f"{english_number(m.group(1))} years ago"
    return text


def english_duration(text: str) -> str:
    """ "5 giờ" → "5 hours", "10-14 ngày" → "10-14 days", "mười năm" → "10 years"."""
    *number, unit = text.split()
    english = TIME_UNITS.get(fold(unit.lower()))
    if english is None or not number:
        return english_number(text)
    amount = english_number(" ".join(number))
    return f"{amount} {english}{'' if amount == '1' else 's'}"


def english_number(text: str) -> str:
    """A number as Vietnamese writes it in English notation: "." groups thousands and "," marks
    decimals ("2.000" → "2,000", "3,5 triệu" → "3.5 million"); number words in digits
    ("mười một" → "11", "năm triệu" → "5 million")."""
    words, spelled = [], []
    text = re.sub(r"\bhàng (trăm|nghìn|ngàn|chục|triệu)\b", lambda m: _VAGUE_ENGLISH[m.group(1).lower()], text,
                  flags=re.IGNORECASE)
    for word in re.sub(r"phần trăm", "%", text, flags=re.IGNORECASE).split() + [""]:
        lower = word.lower()
        if lower in DIGIT_WORDS or lower in ("mười", "mươi"):
            spelled.append(lower)
            continue
        if spelled:
            number = _spelled_number(spelled)
            words.append(str(number) if number is not None else " ".join(spelled))
            spelled = []
        if word == "%" and words:
            words[-1] += "%"
        elif lower in MAGNITUDES:
            words.append(MAGNITUDES[lower])
        elif re.fullmatch(r"[\d.,%\-–]+", word):
            words.append(word.replace(".", "\0").replace(",", ".").replace("\0", ","))
        elif word:
            words.append(word)
    return " ".join(words)


def _spelled_number(words: list[str]) -> int | None:
    """A number below 100 in Vietnamese words ("hai mươi lăm" → 25), None when not one."""
    tens, units = 0, None
    for word in words:
        if word == "mười" and not tens and units is None:
            tens = 1
        elif word == "mươi" and not tens and units is not None:
            tens, units = units, None
        elif word in DIGIT_WORDS and units is None:
            units = DIGIT_WORDS[word]
        else:
            return None
    return 10 * tens + (units or 0) if tens or units is not None else None


_NUMBER = re.compile(r"\d+(?:[.,/:-]\d+)*")
_CITATION_MARKER = re.compile(r"\[[\d\s,;]*\]")
_MONTH_NUMBERS = {name: n for n, month in enumerate(MONTHS, 1)
                  for name in (month.lower(), month[:3].lower(), *(("sept",) if n == 9 else ()))}


def _number_forms(token: str) -> tuple[int, set[int]]:
    """A number as written whole ("2.000" → 2000) and its parts ("14/02" → 14, 2; zero groups left out)."""
    parts = {int(p) for p in re.split(r"\D", token) if p.strip("0")}
    return int(re.sub(r"\D", "", token)), parts


def _numbers_in(text: str) -> set[int]:
    """Every number a text gives, whole and in parts, English month names as their numbers;
    citation markers ("[14]") are no numbers given."""
    text = _CITATION_MARKER.sub(" ", text)
    found: set[int] = set()
    for token in _NUMBER.findall(text):
        whole, parts = _number_forms(token)
        found |= {whole} | parts
    words = set(re.findall(r"[a-z]+", fold(text).lower()))
    return found | {n for name, n in _MONTH_NUMBERS.items() if name in words}


def mentions(text: str, value: str) -> bool:
    """Whether a text (a generated answer) gives this span: its numbers (a date may be written the
    English way: "February 14, 2025" gives "14/02/2025"), or else its words in order, accents
    ignored ("Bui Quang Binh" gives "Bùi Quang Bình")."""
    tokens = _NUMBER.findall(value)
    if tokens:
        given = _numbers_in(text)
        forms = [_number_forms(t) for t in tokens]
        return all(whole in given for whole, _ in forms) or all(parts <= given for _, parts in forms)
    words = tuple(folded_syllables(value))
    return bool(words) and contains_run(folded_syllables(text), words)
