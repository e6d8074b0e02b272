"""Vietnamese text handling: normalisation, accent folding, sentences, lexical tokens, language.

Everything that compares Vietnamese strings goes through `normalize` first, because the same
word arrives in several byte forms (NFD vs NFC, `hoà` vs `hòa`). Lexical search also keeps an
accent-folded view, because people type Vietnamese without diacritics.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# Combining tone marks (grave, acute, hook above, tilde, dot below). Vowel-quality marks
# (circumflex, breve, horn) are not tones and stay on their letter.
TONE_MARKS = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
_QUALITY_VOWELS = set("ăâêôơưĂÂÊÔƠƯ")
_WORD = re.compile(r"\w+", re.UNICODE)


def _is_vowel(ch: str) -> bool:
    return unicodedata.normalize("NFD", ch)[0].lower() in "aeiouy"


def _tone_position(letters: str) -> int | None:
    """Index of the vowel that carries the tone, in the traditional ("hòa", "thủy") style.

    Rules: a vowel with a quality mark wins (ơ in ươ); otherwise in a vowel cluster followed by
    a final consonant the last vowel takes it, and an open cluster puts it on the first vowel
    (two vowels) or the middle one (three). `qu` and `gi` count as consonants.
    """
    lower = letters.lower()
    start = 0
    if lower.startswith("qu") or (lower.startswith("gi") and len(lower) > 2 and _is_vowel(lower[2])):
        start = 2
    idx = [i for i in range(start, len(letters)) if _is_vowel(letters[i])]
    if not idx:
        idx = [i for i in range(len(letters)) if _is_vowel(letters[i])]
        if not idx:
            return None
    # Only the first contiguous vowel run is the nucleus.
    run = [idx[0]]
    for i in idx[1:]:
        if i == run[-1] + 1:
            run.append(i)
        else:
            break
    marked = [i for i in run if letters[i] in _QUALITY_VOWELS]
    if marked:
        return marked[-1]
    if len(run) == 1:
        return run[0]
    has_final = run[-1] < len(letters) - 1
    if has_final:
        return run[-1]
    return run[1] if len(run) >= 3 else run[0]


@functools.lru_cache(maxsize=1 << 18)
def _place_tone(word: str) -> str:
    """Cached: a corpus repeats the same few thousand syllables (ingest of 100k passages spent most
    of its lexical build here)."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in TONE_MARKS]
    if len(tones) != 1:
        return word
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    pos = _tone_position(bare)
    if pos is None:
        return word
    placed = bare[: pos + 1] + tones[0] + bare[pos + 1 :]
    return unicodedata.normalize("NFC", placed)


def normalize(text: str) -> str:
    """NFC plus one tone-mark placement, so `hoà` and `hòa` become the same string.

    Length is preserved for NFC text (a tone only moves between letters of one syllable), so
    character spans computed on normalised text stay meaningful.
    """
    text = unicodedata.normalize("NFC", text)
    return _WORD.sub(lambda m: _place_tone(m.group(0)), text)


def fold(text: str) -> str:
    """Remove every diacritic (and map đ to d): the form people type on a plain keyboard."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def has_diacritics(text: str) -> bool:
    return fold(text) != text


# Abbreviations written out for lexical matching: "Công an TP Hải Phòng" and "Công an thành phố"
# are the same words to a reader.
EXPANSIONS = {"tp": ["thành", "phố"], "tphcm": ["thành", "phố", "hồ", "chí", "minh"], "hcm": ["hồ", "chí", "minh"],
              "bv": ["bệnh", "viện"], "bvđk": ["bệnh", "viện", "đa", "khoa"]}


# Words news writes for the same thing, as folded phrases: a question saying one finds the sentence
# that writes another ("mấy người chết" → "2 ca tử vong", "sống ở xã nào" → "trú tại xã …").
SAME_MEANING = [[("chet",), ("tu", "vong"), ("thiet", "mang"), ("qua", "doi")],
                [("nhap", "vien"), ("nam", "vien"), ("vao", "vien")], [("mac",), ("nhiem",)],
                [("song",), ("tru",), ("ngu",), ("que",)], [("xong",), ("ket", "thuc"), ("hoan", "thanh")]]
_MEANING_GROUP = {"".join(phrase): group for group in SAME_MEANING for phrase in group}


def with_same_meaning(terms: frozenset[str]) -> frozenset[str]:
    """Folded terms (syllables and joined pairs) with the other phrases of SAME_MEANING they write."""
    groups = [_MEANING_GROUP[t] for t in terms if t in _MEANING_GROUP]
    return terms.union("".join(phrase) for group in groups for phrase in group) if groups else terms


def syllables(text: str) -> list[str]:
    """Lower-cased syllables (Vietnamese words are space-separated syllables), TP written out."""
    out: list[str] = []
    for word in _WORD.findall(normalize(text)):
        word = word.lower()
        out.extend(EXPANSIONS.get(word, [word]))
    return out


@functools.lru_cache(maxsize=1 << 18)
def _fold_word(word: str) -> str:
    return fold(word)


def folded_syllables(text: str) -> list[str]:
    return [_fold_word(w) for w in syllables(text)]


# Words news writes two ways, as (one spelling, the other): a question that spells a word as no
# article does is searched in the spelling the articles use ("vaccine" for "vắc xin" or the other
# way round; "bao nhiêu gam" against "320 gram").
SPELLING_VARIANTS = [("vắc xin", "vaccine"), ("vắc-xin", "vaccine"), ("vi rút", "virus"), ("gam", "gram"),
                     ("ki lô gam", "kg"), ("ki-lô-gam", "kg"), ("ô xy", "oxy"), ("ô-xy", "oxy")]
# Each spelling, both ways round, as (its pattern, its folded syllables joined, the other, the other's).
_RESPELLINGS = [(re.compile(rf"(?<!\w){re.escape(written)}(?!\w)", re.IGNORECASE),
                 "".join(folded_syllables(written)), instead, "".join(folded_syllables(instead)))
                for one, other in SPELLING_VARIANTS for written, instead in ((one, other), (other, one))]


def respell_variants(text: str, holds: Callable[[str], bool]) -> str:
    """`text` with each word of SPELLING_VARIANTS the index does not hold in the spelling that it
    does; `holds` is asked about folded, joined syllables ("vacxin")."""
    for pattern, joined, instead, wanted in _RESPELLINGS:
        if pattern.search(text) and not holds(joined) and holds(wanted):
            text = pattern.sub(instead, text)
    return text


# Question and function words (folded) that say nothing about which article answers: left out of
# lexical queries and of answer-sentence overlap.
STOPWORDS = {
    # Vietnamese question and function words, folded.
    "ai", "la", "gi", "nao", "bao", "nhieu", "khi", "dau", "the", "sao", "cua", "va", "cac",
    "nhung", "duoc", "co", "khong", "trong", "o", "tai", "thi", "con", "mot", "nay", "do", "da",
    "dang", "se", "voi", "cho", "ve", "tu", "den", "hay", "hoac", "ma", "nhu", "vay", "a", "u",
    # English ones.
    "who", "what", "when", "where", "which", "how", "why", "is", "are", "was", "were", "did",
    "does", "do", "of", "in", "on", "at", "for", "to", "and", "or", "by", "with", "many",
    "much", "that", "this", "it", "be", "been", "has", "have", "had", "from", "as", "about",
}


# The Vietnamese stopwords as written with their diacritics. Folded, a stopword is also a content
# word: "dược" (pharmacy) folds to "duoc" like "được", "tử" (death) and "tư" to "tu" like "từ",
# "đầu" to "dau" like "đâu", "báo" to "bao"; a syllable written with diacritics is a stopword only
# when it is written as one.
WRITTEN_STOPWORDS = {
    "ai", "là", "gì", "nào", "bao", "nhiêu", "khi", "đâu", "thế", "sao", "của", "và", "các", "những",
    "nhưng", "được", "có", "không", "trong", "ở", "tại", "thì", "còn", "một", "này", "nay", "do", "đó",
    "đã", "đang", "sẽ", "với", "cho", "về", "từ", "đến", "hay", "hãy", "hoặc", "mà", "như", "vậy", "à", "ư",
}


def is_stopword(syllable: str) -> bool:
    """Is a lower-case syllable, as written, a question or function word? One written without
    diacritics ("duoc") is judged by its folded form, as it may be either."""
    folded = _fold_word(syllable)
    if folded not in STOPWORDS:
        return False
    return folded == syllable or syllable in WRITTEN_STOPWORDS


def query_terms(tokens: list[str]) -> list[str]:
    """`tokens` without stopwords (judged as written, see `is_stopword`), plus bigrams of what
    is left."""
    return with_bigrams([t for t in tokens if not is_stopword(t)])


def with_bigrams(tokens: list[str]) -> list[str]:
    """Syllables plus each pair of neighbours written together ("hải phòng" → "hảiphòng").

    Vietnamese words are mostly two syllables, so pairs separate "Hải Phòng" from "Nguyễn Hải
    Trung"; writing them joined also lets "Hanoi" or "Haiphong" in an English question match.
    """
    return tokens + [a + b for a, b in zip(tokens, tokens[1:])]


# ---------------------------------------------------------------- sentences

# Words that end with a period without ending the sentence ("TP. Hải Phòng", "PGS. TS.").
ABBREVIATIONS = {
    "tp", "tt", "q", "p", "h", "x", "ths", "ts", "pgs", "gs", "bs", "ks", "ls", "nxb", "mr",
    "mrs", "ms", "dr", "st", "vs", "etc", "v.v", "no", "tr", "đ", "đc", "ubnd", "hđnd",
}
_BOUNDARY = re.compile(r"([.!?…]+)([\"”’')\]]*)(\s+)")


@dataclass(frozen=True)
class Sentence:
    """A sentence and its character span in the text it was cut from."""

    text: str
    start: int
    end: int


def _ends_sentence(text: str, dot_at: int, next_at: int) -> bool:
    if next_at >= len(text):
        return True
    nxt = text[next_at]
    if not (nxt.isupper() or nxt.isdigit() or nxt in "\"“‘'(["):
        return False
    if text[dot_at] != ".":
        return True
    word = re.search(r"(\S+)$", text[:dot_at])
    token = word.group(1).lower().lstrip("(\"“") if word else ""
    if token in ABBREVIATIONS:
        return False
    # A lone capital ("Nguyễn V. An") is an initial, not a sentence end.
    return not (len(token) == 1 and token.isalpha())


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text` with their spans; newlines always end a sentence.

    Written by hand rather than taken from llama-index/nltk because those split "TP. Hải Phòng"
    and know no Vietnamese abbreviations; numbers like 1.8, 2.000 and 17,1% never split here
    because a boundary needs whitespace after the mark.
    """
    sentences: list[Sentence] = []
    for para in re.finditer(r"[^\n]+", text):
        offset, body = para.start(), para.group(0)
        cut = 0
        for m in _BOUNDARY.finditer(body):
            if _ends_sentence(body, m.start(1), m.end()):
                _append(sentences, body, offset, cut, m.end(2))
                cut = m.end()
        _append(sentences, body, offset, cut, len(body))
    return sentences


def _append(out: list[Sentence], body: str, offset: int, start: int, end: int) -> None:
    piece = body[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    s = offset + start + lead
    out.append(Sentence(stripped, s, s + len(stripped)))


# ---------------------------------------------------------------- language

_VI_FOLDED_WORDS = {
    "la", "cua", "va", "cac", "nhung", "ai", "gi", "bao", "nhieu", "khi", "nao", "o", "dau",
    "the", "tai", "sao", "duoc", "trong", "cong", "an", "giam", "doc", "ngay", "nam", "thang",
    "co", "khong", "nguoi", "da", "voi", "cho", "tu", "den", "nay", "do", "thi", "con", "ve",
    "mot", "nhu", "tinh", "thanh", "pho", "toi", "pham", "chu", "tich", "bo", "truong", "luc",
    "luong", "lanh", "dao", "hoi", "dong", "vu", "viec", "tp", "ha", "noi", "hai", "phong",
    "lam", "vao", "ra", "nhat", "sau", "truoc", "tren", "duoi", "bi", "boi", "cung", "rat",
    "them", "moi", "nhu", "gom", "bang",
}
_EN_WORDS = {
    "the", "a", "an", "of", "is", "are", "was", "were", "who", "what", "when", "where", "which",
    "how", "why", "did", "does", "do", "in", "on", "at", "for", "to", "and", "or", "by", "with",
    "many", "much", "police", "leads", "lead", "director", "city", "from", "it", "that", "this",
    "has", "have", "be", "been", "about", "say", "said", "tell", "me", "head", "heads", "whom",
}


def detect_language(text: str) -> str:
    """'vi' or 'en', the language of the answer. Diacritics settle it; otherwise count function
    words of each language. (A question in a third language is caught by `foreign_language`.)"""
    if any(_VIETNAMESE_ACCENTED.search(w) for w in _unnamed_words(text)) and not foreign_language(text):
        return "vi"
    words = _WORD.findall(text)
    if not words:
        return "en"
    en = sum(w.lower() in _EN_WORDS for w in words)
    # Capitalised words after the first are names ("Hai Phong" in an English question), not Vietnamese.
    vi = sum(w.lower() in _VI_FOLDED_WORDS for i, w in enumerate(words) if i == 0 or not w[0].isupper())
    return "vi" if vi > en else "en"


_VIETNAMESE_ACCENTED = re.compile(
    "[" + "".join(unicodedata.normalize("NFC", base + tone) for base in "aăâeêioôơuưy" for tone in ["", *TONE_MARKS]
                  if base + tone != base or base in "ăâêôơư") + "đ]", re.IGNORECASE)
_FOREIGN_LETTERS = re.compile(r"[^\W\d_a-zA-Z]")


def _unnamed_words(text: str) -> list[str]:
    """Lower-cased words, without the capitalised ones after the first (names say nothing of the
    language) and without words holding a letter Vietnamese never writes ("ergänzungsschulen")."""
    return [word.lower() for i, word in enumerate(_WORD.findall(text))
            if not word.isdigit() and (i == 0 or not word[0].isupper())
            and not _FOREIGN_LETTERS.search(_VIETNAMESE_ACCENTED.sub("", word))]


# Function words that mark English on their own; one-letter words ("a") and the domain words
# of `_EN_WORDS` ("police") are shared with French, Spanish and Portuguese questions.
_EN_FUNCTION_WORDS = {w for w in _EN_WORDS if len(w) > 1} - {
    "police", "leads", "lead", "director", "city", "head", "heads", "say", "said", "tell", "me", "in", "do"}
# Latin-script languages a question may plausibly be written in; the identifier chooses among them.
_LATIN_LANGUAGES = ["vi", "en", "fr", "es", "de", "it", "pt", "nl", "id", "ms", "tl", "tr", "pl", "ro",
                    "sv", "da", "no", "fi", "cs", "hu", "sw"]
FOREIGN_CONFIDENT = 0.9   # the identifier alone decides above this probability
FOREIGN_LIKELY = 0.5      # …and above this one when no English or Vietnamese function word backs either
_ONLY_VIETNAMESE_LETTERS = re.compile(r"[ăơưđạảẽẹẻịỉọỏụủỳỵỷỹằắẳẵặầấẩẫậềếểễệồốổỗộờớởỡợừứửữựẫ]", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _identifier():
    """py3langid's bundled model (no download), limited to Latin-script languages."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(_LATIN_LANGUAGES)
    return identifier


def _latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    return sum(unicodedata.name(c, "").startswith("LATIN") for c in letters) / len(letters)


def foreign_language(text: str) -> str:
    """The language of a question written in neither Vietnamese nor English ("" otherwise).

    The assistant answers in Vietnamese or English only, and a French question with "là" or a
    Chinese one about Hai Phong was taken for Vietnamese or English and got confident quotes. A
    script other than Latin settles it; in Latin script, py3langid's bundled model decides when
    it is sure, or when it is fairly sure and no English function word (nor a letter only
    Vietnamese writes) speaks against it. Two English or Vietnamese function words always win:
    unaccented Vietnamese ("ong ay duoc chon vao nam nao") can look Tagalog to the model.
    """
    if _latin_share(text) < 0.5:
        return "non-Latin"
    words = [w.lower() for w in _WORD.findall(text) if not w.isdigit()]
    if not words:
        return ""
    lowered = [w.lower() for i, w in enumerate(_WORD.findall(text))
               if not w.isdigit() and (i == 0 or not w[0].isupper())]  # names say nothing of the language
    language, probability = _identifier().classify(" ".join(lowered) or " ".join(words))
    if language in ("vi", "en") or probability < FOREIGN_LIKELY:
        return ""
    english = sum(w in _EN_FUNCTION_WORDS for w in lowered)
    vietnamese = sum(fold(w) in _VI_FOLDED_WORDS for w in lowered)
    if english >= 2 or vietnamese >= 2:
        return ""
    if probability < FOREIGN_CONFIDENT and (english or any(_ONLY_VIETNAMESE_LETTERS.search(w) for w in lowered)):
        return ""
    return language
