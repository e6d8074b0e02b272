"""English → Vietnamese words of public-security and health news, for English questions.

An English question shares no words with Vietnamese articles except names, so the extractive
answerer could only compare meaning through the small embedding model, which ranks "Vice
Chairman … assigned tasks to the police" level with "Director of Hai Phong police". These
folded Vietnamese equivalents let "who leads … police" find "giám đốc công an".
"""

from __future__ import annotations

import re

GLOSSARY: dict[str, str] = {
    "police": "cong an", "public security": "cong an", "director": "giam doc", "leads": "giam doc",
    "lead": "giam doc", "head": "giam doc", "heads": "giam doc", "chief": "giam doc",
    "minister": "bo truong", "deputy minister": "thu truong", "prime minister": "thu tuong", "ministry": "bo", "deputy": "pho", "vice": "pho",
    "city": "thanh pho", "province": "tinh", "crime": "toi pham", "crimes": "toi pham",
    "criminals": "toi pham", "drug": "ma tuy", "drugs": "ma tuy", "traffic": "giao thong",
    "accident": "tai nan", "accidents": "tai nan", "arrested": "bat giu", "arrest": "bat giu",
    "cases": "vu an", "case": "vu an", "campaign": "cao diem", "ceremony": "le", "party": "dang",
    "secretary": "bi thu", "chairman": "chu tich", "chairs": "chu tich", "chair": "chu tich", "committee": "uy ban", "people's": "nhan dan", "people": "nguoi",
    "security": "an ninh", "order": "trat tu", "fraud": "lua dao", "scams": "lua dao",
    "gambling": "co bac", "smuggling": "buon lau", "general": "tuong", "colonel": "dai ta",
    "fire": "chay", "explosion": "no", "launched": "ra quan", "launch": "ra quan",
    "new year": "tet", "lunar new year": "tet nguyen dan", "tet": "tet", "delegation": "doan",
    "visited": "tham", "visit": "tham", "visits": "tham", "commune": "xa", "ward": "phuong", "district": "quan",
    # Health news.
    "hospital": "benh vien", "hospitals": "benh vien", "patient": "benh nhan", "patients": "benh nhan",
    "died": "tu vong", "hospitalised": "nhap vien", "hospitalized": "nhap vien",
    "deaths": "ca tu vong", "dose": "lieu", "doses": "lieu", "vaccination": "tiem chung", "outbreak": "o dich",
    "outbreaks": "o dich", "measles": "soi", "dengue": "sot xuat huyet", "rabies": "dai",
    "hand, foot and mouth": "tay chan mieng", "hand-foot-mouth": "tay chan mieng", "poisoning": "ngo doc",
    "food poisoning": "ngo doc thuc pham", "ministry of health": "bo y te", "health ministry": "bo y te",
    "department of health": "so y te", "health department": "so y te", "health insurance": "bao hiem y te",
    "social security": "bao hiem xa hoi", "children": "tre", "workers": "cong nhan", "surgery": "phau thuat",
    "money": "tien",
    "admitted": "nhap vien", "discharged": "xuat vien", "emergency": "cap cuu", "ambulance": "cap cuu",
    "intensive care": "hoi suc", "ventilator": "tho may", "doctor": "bac si", "doctors": "bac si",
    "nurse": "dieu duong", "nurses": "dieu duong", "treatment": "dieu tri", "treated": "dieu tri",
    "infected": "nhiem", "infection": "nhiem", "symptoms": "trieu chung", "fever": "sot", "cancer": "ung thu",
    "stroke": "dot quy", "heart": "tim", "kidney": "than", "liver": "gan", "lung": "phoi", "blood": "mau",
    "transplant": "ghep", "donor": "hien", "organ": "tang", "organs": "tang", "brain-dead": "chet nao",
    "tuberculosis": "lao", "malaria": "sot ret", "diphtheria": "bach hau", "influenza": "cum", "flu": "cum",
    "vaccine": "vac xin", "vaccines": "vac xin", "vaccinated": "tiem", "injection": "tiem", "screening": "sang loc",
    "medicine": "thuoc", "pharmacy": "nha thuoc", "snake": "ran", "bitten": "can", "burns": "bong",
    "injured": "bi thuong", "wounded": "bi thuong", "pupils": "hoc sinh", "school": "truong", "teacher": "giao vien",
    "father": "bo", "mother": "me", "son": "con trai", "daughter": "con gai", "wife": "vo", "husband": "chong",
    "family": "gia dinh", "suspect": "nghi pham", "victim": "nan nhan", "victims": "nan nhan", "court": "toa an",
    "sentenced": "tuyen phat", "prison": "tu", "robbery": "cuop", "theft": "trom", "murder": "giet",
    "seized": "thu giu", "investigation": "dieu tra", "prosecuted": "khoi to", "detained": "tam giu",
    "fined": "xu phat", "highway": "quoc lo", "motorbike": "xe may", "truck": "xe tai", "driver": "tai xe",
    "drowning": "duoi nuoc", "drowned": "duoi nuoc", "flood": "lu", "storm": "bao", "rescued": "cuu",
    "company": "cong ty", "cost": "chi phi", "price": "gia", "budget": "kinh phi", "election": "bau cu",
    # Money and the economy of a province.
    "cash": "tien mat", "capital": "von", "investment": "dau tu", "revenue": "doanh thu", "export": "xuat khau",
    "exports": "xuat khau", "compensation": "boi thuong", "salary": "luong", "profit": "loi nhuan", "tax": "thue",
    "fee": "phi", "fees": "phi", "loan": "vay", "donations": "ung ho", "damage": "thiet hai", "losses": "thiet hai",
    "bridge": "cau", "river": "song", "flash flood": "lu quet", "landslide": "sat lo", "landslides": "sat lo",
    "service": "dich vu", "increase": "tang", "increased": "tang", "decrease": "giam", "decreased": "giam",
    "households": "ho", "evacuated": "so tan", "evacuate": "so tan", "missing": "mat tich",
}
_PHRASES = sorted(GLOSSARY, key=len, reverse=True)
# A phrase's plural is read as the phrase ("fires", "services"), unless listed itself.
_PATTERN = re.compile(r"\b(" + "|".join(re.escape(p) for p in _PHRASES) + r")(?:s|es)?\b", re.IGNORECASE)


def vietnamese_equivalents(question: str) -> list[list[str]]:
    """Folded Vietnamese syllables for each glossary phrase in an English question."""
    return [GLOSSARY[m.group(1).lower()].split() for m in _PATTERN.finditer(question)]


def head_equivalent(phrase: str) -> list[str]:
    """Folded Vietnamese syllables of the glossary phrase that ends an English noun phrase (its
    head: "drug cases" → vụ án, "food poisoning incidents" → none, not "food poisoning")."""
    last = None
    for last in _PATTERN.finditer(phrase):
        pass
    if last is None or phrase[last.end():].strip():
        return []
    return GLOSSARY[last.group(1).lower()].split()


# Countries and cities an English question may name, with the Vietnamese the articles write them in
# (folded syllables). A question about a place none of the articles names is refused ("How many
# COVID-19 cases did Thailand report?"); a one-syllable Vietnamese name ("Pháp", "Anh") is also a
# common word, so it is always found and nothing is refused for it.
PLACES: dict[str, str] = {
    "thailand": "thai lan", "cambodia": "campuchia", "laos": "lao", "japan": "nhat ban", "china": "trung quoc",
    "korea": "han quoc", "south korea": "han quoc", "north korea": "trieu tien", "india": "an do",
    "singapore": "singapore", "malaysia": "malaysia", "indonesia": "indonesia", "philippines": "philippines",
    "myanmar": "myanmar", "taiwan": "dai loan", "yemen": "yemen", "russia": "nga", "germany": "duc",
    "france": "phap", "england": "anh", "britain": "anh", "united kingdom": "anh", "united states": "my",
    "america": "my", "australia": "uc", "canada": "canada", "brazil": "brazil", "italy": "y",
    "spain": "tay ban nha", "tokyo": "tokyo", "beijing": "bac kinh", "bangkok": "bangkok", "seoul": "seoul",
    "paris": "paris", "london": "london", "new york": "new york", "washington": "washington", "moscow": "moskva",
    "sydney": "sydney", "bangladesh": "bangladesh", "pakistan": "pakistan", "nepal": "nepal",
    "sri lanka": "sri lanka", "egypt": "ai cap", "turkey": "tho nhi ky", "iran": "iran", "iraq": "iraq",
    "israel": "israel", "saudi arabia": "a rap xe ut", "mexico": "mexico", "argentina": "argentina",
    "nigeria": "nigeria", "kenya": "kenya", "south africa": "nam phi", "new zealand": "new zealand",
    "netherlands": "ha lan", "switzerland": "thuy si", "sweden": "thuy dien", "norway": "na uy",
    "poland": "ba lan", "ukraine": "ukraine", "africa": "chau phi", "europe": "chau au",
}
_PLACE_PATTERN = re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(PLACES, key=len, reverse=True)) + r")\b",
                            re.IGNORECASE)


def english_places(question: str) -> list[tuple[str, list[str]]]:
    """The places an English question names, as written and as the articles would write them."""
    return [(m.group(1), PLACES[m.group(1).lower()].split()) for m in _PLACE_PATTERN.finditer(question)]


# What an English "which X" question names its answer by, as the articles write X before a name
# (folded): "At which hospital …?" is answered by "Bệnh viện Nhi đồng 1".
WHICH_NOUNS: dict[str, tuple[str, ...]] = {
    "hospital": ("benh", "vien"), "province": ("tinh",), "district": ("huyen",), "commune": ("xa",),
    "ward": ("phuong",), "city": ("thanh", "pho"), "company": ("cong", "ty"), "institute": ("vien",),
    "school": ("truong",), "university": ("dai", "hoc"), "department": ("so",), "ministry": ("bo",),
    "drug": ("thuoc",), "medicine": ("thuoc",), "vaccine": ("vac", "xin"),
    "national highway": ("quoc", "lo"), "highway": ("quoc", "lo"), "river": ("song",), "bridge": ("cau",),
}
# The noun must head its phrase: a verb, an auxiliary or a preposition follows it ("Which hospital
# is …", "At which hospital do …", "Which province recorded …"), not another noun ("Which city
# steering committee …" asks for a committee).
_WHICH_PATTERN = re.compile(r"\b(?:which|what) (" + "|".join(WHICH_NOUNS) + r")e?s?\b"
                            r"(?=[?,.]|$| (?:is|are|was|were|do|does|did|has|have|had|will|would|can|could|"
                            r"in|of|on|at|for|to|from|with|that|treats?|won|led|took|made|gave|got|sent|built|became|"
                            r"began|held|found|ran|saw|paid|sold|bought|[a-z]+ed)\b)", re.IGNORECASE)


def english_asks_several(question: str) -> bool:
    """Does an English "which X" question ask for several ("Which provinces …", "Which national
    highways …")?"""
    match = _WHICH_PATTERN.search(question)
    return bool(match) and match.group(0).lower().endswith("s") and not match.group(1).lower().endswith("s")


def english_which_noun(question: str) -> tuple[str, ...]:
    """The Vietnamese noun (folded) an English "which X" question asks by; empty when none."""
    match = _WHICH_PATTERN.search(question)
    return WHICH_NOUNS[match.group(1).lower()] if match else ()
