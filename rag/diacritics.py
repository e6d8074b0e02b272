"""Diacritics put back on a Vietnamese question typed without them, from the index's own words.

The encoder reads unaccented Vietnamese poorly (dense hit@1 0.89 → 0.23 on XQuAD-vi questions
with their diacritics stripped, DESIGN.md), while the corpus holds every accented spelling its
readers will ask about. So each plain syllable is turned back into the accented syllables the
index's accented view holds that fold to it ("cong" → "công", "cống", …), and the sequence is
chosen by how often the index writes each syllable and each neighbouring pair ("cong an" →
"công an", not "cống an"): a small Viterbi over document frequencies, no model, no word list.
A syllable the index never writes accented (an English word, a number) stays as typed.
Restored this way, those XQuAD-vi questions score dense hit@1 0.91 (0.29 as typed), for a few
milliseconds of look-ups each (docs/benchmarks.md, issue 11, third session).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable

from rag.text import normalize

# Plain letters and the Vietnamese letters that fold to them; tones are added on top.
_SHAPES = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "d": "dđ"}
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_VOWELS = set("aăâeêioôơuưy")
_PLAIN_SYLLABLE = re.compile(r"[a-z]{1,7}")  # the longest Vietnamese syllable ("nghiêng") has 7 letters
_WORD = re.compile(r"\w+")
# Chosen on the first half of XQuAD-vi's questions stripped of diacritics (bench/fusion_sweep.py):
CANDIDATES = 10        # accented spellings kept per syllable, most frequent first
PAIR_WEIGHT = 1.0      # log(1 + df) of a neighbouring pair (the context) …
SINGLE_WEIGHT = 0.1    # … far outweighs log(1 + df) of one syllable (how common it is alone)

# Maps accented syllables and joined pairs ("côngan") to how many passages of the index hold them.
DocumentFrequency = Callable[[list[str]], dict[str, int]]


@functools.lru_cache(maxsize=1 << 14)
def spellings(syllable: str) -> tuple[str, ...]:
    """Every normalised spelling that folds to the plain lower-case `syllable` (itself included)."""
    if not _PLAIN_SYLLABLE.fullmatch(syllable):
        return (syllable,)
    found: set[str] = set()
    for letters in itertools.product(*(_SHAPES.get(c, c) for c in syllable)):
        base = "".join(letters)
        first_vowel = next((i for i, c in enumerate(base) if c in _VOWELS), None)
        if first_vowel is None:
            found.add(base)
            continue
        for tone in _TONES:  # placed after any vowel; `normalize` moves it where it belongs
            found.add(normalize(base[:first_vowel + 1] + tone + base[first_vowel + 1:]))
    return tuple(sorted(found))


def _recase(accented: str, typed: str) -> str:
    if accented == typed.lower():
        return typed  # nothing to put back: "UBND", "Panthers", "2015" stay as typed
    return accented[0].upper() + accented[1:] if typed[:1].isupper() else accented


def restore_diacritics(text: str, df: DocumentFrequency) -> str:
    """`text` (typed without diacritics) with each word respelled as the index most likely writes it."""
    words = _WORD.findall(text)
    if not words:
        return text
    restored = iter(_restore(words, df))
    return _WORD.sub(lambda m: next(restored), text)


def _restore(words: list[str], df: DocumentFrequency) -> list[str]:
    """The likeliest accented spelling of each word: a Viterbi path over the index's syllables
    (scored alone) and neighbouring pairs (scored together)."""
    lower = [w.lower() for w in words]
    options = {w: spellings(w) for w in set(lower)}
    single = df(sorted({s for o in options.values() for s in o}))
    choices = []
    for word in lower:
        known = sorted((s for s in options[word] if single.get(s)), key=lambda s: -single[s])[:CANDIDATES]
        choices.append(known or [word])
    pairs = df(sorted({a + b for left, right in zip(choices, choices[1:]) for a in left for b in right}))
    # best[i][s]: the score and spelling of the best path over words[:i + 1] that ends in s.
    best = [{s: (SINGLE_WEIGHT * math.log1p(single.get(s, 0)), [s]) for s in choices[0]}]
    for options_here in choices[1:]:
        step = {}
        for s in options_here:
            score, path = max(((prev + PAIR_WEIGHT * math.log1p(pairs.get(p[-1] + s, 0)), p)
                               for prev, p in best[-1].values()), key=lambda t: t[0])
            step[s] = (score + SINGLE_WEIGHT * math.log1p(single.get(s, 0)), path + [s])
        best.append(step)
    _, path = max(best[-1].values(), key=lambda t: t[0])
    return [_recase(s, w) for s, w in zip(path, words)]
