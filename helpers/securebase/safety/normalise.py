"""Text normalisation for the safety screen: one function from a person's text to the lower-case,
repaired text that the lexicon and the backstop read, with a map back to the original offsets.

Unicode compatibility forms folded and accents removed, lower case, curly apostrophes and quotes
straightened, zero-width characters dropped, whitespace runs collapsed, leet characters inside words
mapped to letters (``k1ll`` -> ``kill``), spaced-out letters joined (``s u i c i d e`` ->
``suicide``), and words within one edit (insertion, deletion, substitution or swap of neighbours) of
a keyword of five letters or more rewritten to that keyword (``sucide`` -> ``suicide``) unless they
are real words listed under ``not_misspellings``. The settings are the ``normalise`` block of
``content/safety/lexicon.yaml``.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from securebase.content import Model, unique

_LOWER_WORD = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z'-]*$")]

class Misspellings(Model):
    min_length: int = Field(default=5, ge=3, le=20)
    words: tuple[_LOWER_WORD, ...] = ()
    not_misspellings: tuple[_LOWER_WORD, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> "Misspellings":
        short = [w for w in self.words if len(w) < self.min_length]
        if short:
            raise ValueError(f"words shorter than min_length ({self.min_length}): {', '.join(short)}")
        unique(self.words, "misspelling word")
        return self


class Normalise(Model):
    leet: dict[str, Annotated[str, StringConstraints(pattern=r"^[a-z]$")]] = Field(default_factory=dict)
    join_spaced_letters: bool = True
    misspellings: Misspellings = Field(default_factory=Misspellings)

    @field_validator("leet")
    @classmethod
    def _one_char_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if len(key) != 1 or key.isalpha() or key.isspace():
                raise ValueError(f"leet key {key!r} must be one character that is not a letter or a space")
        return value


# --------------------------------------------------------------------------- normalisation

_APOSTROPHES = dict.fromkeys(map(ord, "\u2019\u2018\u201b\u02bc\u02b9\u2032\u00b4`\uff07"), "'")
_QUOTES = dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"), '"')
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character of the original text -> zero or more normalised characters."""
    ch = ch.translate(_APOSTROPHES).translate(_QUOTES).translate(_DASHES)
    out = []
    for c in unicodedata.normalize("NFKD", ch):
        cat = unicodedata.category(c)
        if cat in ("Mn", "Me", "Cf"):      # accents, enclosing marks, zero-width and format characters
            continue
        out.append(c)
    folded = "".join(out).casefold()
    return folded.translate(_APOSTROPHES).translate(_QUOTES).translate(_DASHES)


def _edits1(word: str) -> set[str]:
    letters = string.ascii_lowercase
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return (deletes | swaps | replaces | inserts) - {word}


class Normaliser:
    def __init__(self, spec: Normalise):
        self.leet = {k: v for k, v in spec.leet.items()}
        self.join_spaced = spec.join_spaced_letters
        keywords = spec.misspellings.words
        exact = set(keywords)
        keep = set(spec.misspellings.not_misspellings)
        variants: dict[str, str] = {}
        for w in keywords:
            for v in _edits1(w):
                if v not in exact and v not in keep and v not in variants:
                    variants[v] = w
        self.variants = variants
        leet_chars = "".join(re.escape(c) for c in sorted(self.leet))
        word_chars = f"a-z0-9'{leet_chars}" if leet_chars else "a-z0-9'"
        parts = [r"(?P<ws>[ \t\r\n\f\v\u00a0]{2,}|[\t\r\n\f\v\u00a0])"]
        if self.join_spaced:
            # four or more single letters separated by one space/dot/dash: "s u i c i d e", "k.i.l.l"
            parts.append(r"(?P<spaced>(?<![a-z0-9'])[a-z](?:[ .\-_*][a-z]){3,}(?![a-z0-9']))")
        parts.append(rf"(?P<tok>[{word_chars}]*[a-z][{word_chars}]*)")
        self.scanner = re.compile("|".join(parts))
        self.leet_table = str.maketrans(self.leet)
        self.leet_set = frozenset(self.leet)

    def _word(self, tok: str) -> str:
        """Leet and misspelling repair for one token (apostrophes and edge symbols kept)."""
        core_end = len(tok)
        while core_end and not tok[core_end - 1].isalnum():
            core_end -= 1
        core, tail = tok[:core_end], tok[core_end:]
        if self.leet_set and any(c in self.leet_set for c in core) and any(c.isalpha() for c in core):
            core = core.translate(self.leet_table)
        if core in self.variants:
            core = self.variants[core]
        return core + tail

    def __call__(self, text: str) -> tuple[str, list[int] | None]:
        """Normalised text and, when it differs in length or alignment, an index map to the original.

        ``pos[i]`` is the index in ``text`` of normalised character ``i``; ``pos[len]`` is ``len(text)``.
        """
        if text.isascii():
            base, pos = text.lower(), None
        else:
            chars: list[str] = []
            pos = []
            last = 0
            for m in _NON_ASCII.finditer(text):
                s = m.start()
                chars.append(text[last:s].lower())
                pos.extend(range(last, s))
                for i in range(s, m.end()):
                    f = _fold_char(text[i])
                    chars.append(f)
                    pos.extend([i] * len(f))
                last = m.end()
            chars.append(text[last:].lower())
            pos.extend(range(last, len(text)))
            base = "".join(chars)
            pos.append(len(text))
        out: list[str] = []
        out_pos: list[int] = []
        last = 0
        changed = False
        for m in self.scanner.finditer(base):
            kind = m.lastgroup
            s, e = m.span()
            seg = m.group()
            if kind == "ws":
                new = " "
            elif kind == "spaced":
                new = self._word(re.sub(r"[^a-z]", "", seg))
            else:
                if len(seg) < 3 or (seg.isalpha() and seg not in self.variants):
                    continue
                new = self._word(seg)
            if new == seg:
                continue
            changed = True
            out.append(base[last:s])
            if pos is None:
                out_pos.extend(range(last, s))
                first, final = s, e - 1
            else:
                out_pos.extend(pos[last:s])
                first, final = pos[s], pos[e - 1]
            n = len(new)
            out.append(new)
            out_pos.extend(first if k < n - 1 else final for k in range(n))
            last = e
        if not changed:
            return base, pos
        out.append(base[last:])
        if pos is None:
            out_pos.extend(range(last, len(base)))
            out_pos.append(len(text))
        else:
            out_pos.extend(pos[last:])
        return "".join(out), out_pos

