"""Vietnamese posts in English, for the short answer an English reader is shown.

"Who is Nguyen Hai Trung?" is answered with the post the article writes beside his name
("Giám đốc Công an TP Hà Nội"); an English reader is shown "Director of Hà Nội Police". Only
the common shape is put into English: a title, then the body it belongs to, a place name kept as
written. A post whose body is not one of these is shown as written, never guessed.
"""

from __future__ import annotations

import re

# A title and its English words; the body follows with "of" ("Director of …").
_TITLES = [
    ("phó giám đốc", "Deputy Director"), ("giám đốc", "Director"), ("phó chủ tịch", "Vice Chairman"),
    ("chủ tịch", "Chairman"), ("phó bí thư", "Deputy Secretary"), ("bí thư", "Secretary"),
    ("bộ trưởng", "Minister"), ("thứ trưởng", "Deputy Minister"), ("ủy viên", "Member"),
    ("tư lệnh", "Commander"), ("trưởng khoa", "Head of the Department"), ("viện trưởng", "Director"),
]
_PLACE = r"(?:(?:TP\.?|thành phố|tỉnh)\s*)?(?P<place>\w+(?: \w+)*)"  # a capitalised name, checked below
# Bodies, most specific first; {place} is the place name as written.
_BODIES = [
    (r"Bộ Công an|Công an", "Public Security", True),   # after a minister: the ministry
    (r"Bộ Y tế|Y tế", "Health", True),
    (r"Bộ Chính trị", "the Politburo", False),
    (r"Trung ương Đảng", "the Party Central Committee", False),
    (r"Đảng ủy Công an Trung ương", "the Central Public Security Party Committee", False),
    (rf"Công an {_PLACE}", "{place} Police", False),
    (r"Công an thành phố", "the city police", False),
    (rf"Sở Y tế {_PLACE}", "the {place} Department of Health", False),
    (rf"Thành ủy {_PLACE}", "the {place} Party Committee", False),
    (rf"Tỉnh ủy {_PLACE}", "the {place} Provincial Party Committee", False),
    (rf"(?:UBND|Ủy ban nhân dân) {_PLACE}", "the {place} People's Committee", False),
    (rf"(?:HĐND|Hội đồng nhân dân) {_PLACE}", "the {place} People's Council", False),
    (r"Bệnh viện (?P<place>.+)", "{place} Hospital", False),
]
_MINISTERS = {"Minister", "Deputy Minister"}


def _title(item: str) -> tuple[str, str, str] | None:
    """(former, English title, the rest) of one post, or None when it starts with no known title."""
    former = ""
    if item.lower().startswith("nguyên "):
        former, item = "former ", item[len("nguyên "):]
    for vietnamese, english in _TITLES:
        if item.lower().startswith(vietnamese + " ") or item.lower() == vietnamese:
            return former, english, item[len(vietnamese):].strip()
    return None


def _body(text: str, minister: bool) -> str | None:
    for pattern, english, ministry in _BODIES:
        match = re.fullmatch(pattern, text)
        if match is None or ministry and not minister:
            continue
        place = match.groupdict().get("place")
        if place is not None and not place[:1].isupper():
            continue  # "Công an thành phố": no place named
        return english.format(**match.groupdict())
    return None


def english_post(post: str) -> str:
    """Each comma-separated post in English when its title and body are known ones; the others
    as written ("Ủy viên Bộ Chính trị, Bộ trưởng Bộ Công an" → "Member of the Politburo,
    Minister of Public Security")."""
    out = []
    for item in (p.strip() for p in post.split(",")):
        parsed = _title(item)
        body = _body(parsed[2], parsed[1] in _MINISTERS) if parsed and parsed[2] else None
        out.append(f"{parsed[0]}{parsed[1]} of {body}" if parsed and body else item)
    return ", ".join(out)
