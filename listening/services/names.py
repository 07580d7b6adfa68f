"""First names: one a person can see, and told apart from every other name in the session.

A name must show something: at least one letter, digit or symbol that is not blank (Hangul
fillers and the blank braille pattern are letters and symbols that draw nothing). A name that
looks like one already taken (the same after Unicode compatibility folding, case folding and
folding look-alike letters, such as Cyrillic А for Latin A) gets a number: Alice, Аlice 2.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

from confusable_homoglyphs import utils as confusables_files

from ..engine import Refused
from .validation import JOINERS, clean_text

#: letters and symbols that draw nothing, so cannot make a name visible by themselves
BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
#: the general categories of characters that can make a name visible
VISIBLE = ("L", "N", "S")


def first_name(value: object) -> str:
    """Return a first name fit to show a room, or refuse it with a sentence to act on."""
    name = clean_text(value, 40)
    if name is not None:
        name = name.strip("".join(JOINERS) + " ")  # a joiner joins nothing at either end
    if not name or not any(_visible(ch) for ch in name):
        raise Refused("invalid_name", "Please give a first name of 1 to 40 letters.")
    return name


def _visible(ch: str) -> bool:
    return unicodedata.category(ch)[0] in VISIBLE and ch not in BLANK


def distinct(taken: Iterable[str | None], name: str) -> str:
    """Return the name, numbered if it looks like one already taken: Sam, sam 2, Ѕam 3."""
    looks: set[str] = set().union(*(looks_like(n) for n in taken if n))
    if not looks_like(name) & looks:
        return name
    n = 2
    while looks_like(f"{name} {n}") & looks:
        n += 1
    return f"{name} {n}"


@functools.lru_cache(maxsize=8192)
def looks_like(name: str) -> frozenset[str]:
    """Return what a name looks like, read two ways; names alike either way are confusable.

    Compatibility-folded (Ｓａｍ is Sam), case-folded, and look-alike characters merged: once
    after case folding (Cyrillic а is Latin a; ALICE is Alice) and once before it too (a
    capital I looks like a small l, so AIice looks like Alice).
    """
    look_alike = _look_alikes()

    def merge(text: str) -> str:
        return "".join(look_alike.get(ch, ch) for ch in text if ch not in JOINERS)

    plain = unicodedata.normalize("NFKC", name)
    return frozenset({merge(plain.casefold()), merge(merge(plain).casefold())})


@functools.cache
def _look_alikes() -> dict[str, str]:
    """Return, for each character with look-alikes, one stand-in for all of them.

    Unicode's confusables data (as confusable_homoglyphs ships it) pairs characters that look
    alike; characters joined by such pairs share the stand-in, preferably a plain ASCII one.
    """
    parent: dict[str, str] = {}

    def root(ch: str) -> str:
        while parent.get(ch, ch) != ch:
            ch = parent[ch]
        return ch

    # Read here and let go after: the whole table is several megabytes the server need not keep.
    for ch, glyphs in confusables_files.load("confusables.json").items():
        for glyph in glyphs:
            other = glyph["c"].strip("\u200e\u200f")  # some are wrapped in direction marks
            if len(ch) == 1 and len(other) == 1:
                a, b = sorted((root(ch), root(other)), key=_preference)
                parent[b] = a
    return {ch: root(ch) for ch in parent} | {ch: root(ch) for ch in list(parent.values())}


def _preference(ch: str) -> tuple[bool, int]:
    """Sort a plain ASCII letter or digit first, then by code point."""
    return (not (ch.isascii() and ch.isalnum()), ord(ch))
