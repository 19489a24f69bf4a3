"""Safety screening of free-text entries (the crisis resources are :mod:`securebase.safety.resources`).

:func:`screen_text` looks for (1) self-harm or suicide, (2) abuse or danger in the relationship
and (3) harm to others, and says which words matched which lexicon entry.

How to use the result: a flagged save is still saved. The person sees the crisis resources
(which begin by saying the entry was saved and that nobody watches this tool in real time),
and the clinician can see ``ScreenResult.matches`` - which words matched which entry - to
understand why. There is no score: a text is flagged or not, in named categories.

The screen favours recall. A missed disclosure costs more than a gentle, unnecessary prompt,
so:

* **Negations still flag.** "I'm not suicidal", "he has never hit me, but ..." and "I would
  never hurt my kids" are flagged, because people often disclose by denying, and because the
  prompt that follows is gentle. The single exception is "hurt" aimed at another adult in the
  wanting form ("I don't want to hurt him"), which is nearly always about feelings; see the
  ``harm_others_hurt`` entry of the lexicon.
* Misspellings, spacing and "leet" spellings are undone before matching (see below).
* Hyperbole and idioms ("this argument is killing me", "I'd kill for a holiday", "I could die
  of embarrassment", "a cutting remark") are not flagged: the patterns ask for the wording of
  a disclosure (a person as the object, "myself", a threat, a wish), not for a bare verb.

All phrases live in ``content/safety/lexicon.yaml`` (validated with pydantic when loaded,
cached afterwards); this module holds only the matching machinery. Before matching, a text is
normalised: Unicode compatibility forms folded and accents removed, lower case, curly
apostrophes straightened, zero-width characters dropped, whitespace runs collapsed, leet
characters inside words mapped to letters (``k1ll`` -> ``kill``), spaced-out letters joined
(``s u i c i d e`` -> ``suicide``), and words within one edit (insertion, deletion,
substitution or swap of neighbours) of a lexicon keyword of five letters or more rewritten to
that keyword (``sucide``, ``suicde`` -> ``suicide``) unless they are real words listed under
``not_misspellings``. Match spans are mapped back to the person's original text.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from securebase.content import Identifier, Model, Text, content_dir, read_yaml, unique, validate
from securebase.core.errors import ContentError
from securebase.safety import resources
from securebase.safety.categories import CATEGORIES, Category


_MACRO = re.compile(r"\{([a-z_]+)\}")
_LOWER_WORD = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z'-]*$")]


# --------------------------------------------------------------------------- lexicon schema


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


class LexiconEntry(Model):
    """One named group of phrases in one category."""

    id: Identifier
    category: Category
    description: Text
    patterns: tuple[Text, ...] = Field(min_length=1)
    examples: tuple[Text, ...] = ()        # each must match this entry (checked on load)
    not_examples: tuple[Text, ...] = ()    # none may match this entry (checked on load)


class Lexicon(Model):
    version: Text
    normalise: Normalise = Field(default_factory=Normalise)
    macros: dict[Identifier, Text] = Field(default_factory=dict)
    entries: tuple[LexiconEntry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> "Lexicon":
        unique([e.id for e in self.entries], "entry id")
        missing = [c for c in CATEGORIES if not any(e.category == c for e in self.entries)]
        if missing:
            raise ValueError(f"no entry for categor{'y' if len(missing) == 1 else 'ies'} {', '.join(missing)}")
        return self


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Match:
    """One lexicon hit: which category, which entry, and the words as the person wrote them."""

    category: str
    entry: str        # the lexicon entry id, e.g. "kill_self"
    text: str         # the matched words, taken from the original text
    start: int        # offsets into the original text
    end: int


@dataclass(frozen=True)
class ScreenResult:
    """The outcome of :func:`screen_text`. No score: flagged or not, and why."""

    flagged: bool
    categories: tuple[str, ...]       # subset of CATEGORIES, in that order
    matches: tuple[Match, ...]        # ordered by position in the text
    lexicon_version: str = ""


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


class _Normaliser:
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


# --------------------------------------------------------------------------- compiled lexicon


@dataclass(frozen=True)
class _CompiledEntry:
    id: str
    category: str
    regex: re.Pattern[str]      # this entry alone (used to check its examples)
    inner: str                  # its alternatives, without the word-boundary wrapper


# Every pattern is wrapped in word boundaries that also respect apostrophes ("he'd", "she's").
_LEFT = r"(?<![\w])(?<![\w]')"
_RIGHT = r"(?![\w])(?!'\w)"


class _Screen:
    def __init__(self, lexicon: Lexicon, path: Path):
        self.version = lexicon.version
        self.normalise = _Normaliser(lexicon.normalise)
        macros = _expand_macros(lexicon.macros, path)
        compiled = []
        for i, entry in enumerate(lexicon.entries):
            alternatives = []
            for j, pattern in enumerate(entry.patterns):
                alternatives.append(_expand(pattern, macros, path, f"entries[{i}] ({entry.id}).patterns[{j}]"))
            inner = "|".join(alternatives)
            compiled.append(_CompiledEntry(entry.id, entry.category, re.compile(_LEFT + f"(?:{inner})" + _RIGHT), inner))
        self.entries = tuple(compiled)
        # One pass per category: the entries of a category are alternatives of one regex (a named
        # group per entry), which is several times faster than one pass per entry. Within a
        # category the first entry listed wins where two would match at the same place.
        self.passes: list[re.Pattern[str]] = []
        for category in CATEGORIES:
            groups = [f"(?P<{e.id}>{e.inner})" for e in compiled if e.category == category]
            try:
                self.passes.append(re.compile(_LEFT + "(?:" + "|".join(groups) + ")" + _RIGHT))
            except re.error as exc:
                raise ContentError(path, "entries", f"the {category} patterns do not combine: {exc}") from None
        self.category_of = {e.id: e.category for e in compiled}

    def __call__(self, text: str) -> ScreenResult:
        norm, pos = self.normalise(text)
        found: list[Match] = []
        for regex in self.passes:
            for m in regex.finditer(norm):
                s, e = m.span()
                if e <= s:
                    continue
                if pos is None:
                    start, end = s, e
                else:
                    start, end = pos[s], pos[e - 1] + 1
                entry = m.lastgroup or ""
                found.append(Match(self.category_of[entry], entry, text[start:end], start, end))
        cats = tuple(c for c in CATEGORIES if any(m.category == c for m in found))
        found.sort(key=lambda m: (m.start, CATEGORIES.index(m.category), m.entry))
        return ScreenResult(bool(found), cats, tuple(found), self.version)


def _expand(pattern: str, macros: dict[str, str], path: Path, where: str) -> str:
    """``pattern`` with its ``{macro}`` references filled in, checked, as one non-capturing group."""
    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in macros:
            known = ", ".join(sorted(macros)) or "none"
            raise ContentError(path, where, f"unknown macro {{{name}}}; known macros: {known}")
        return macros[name]

    expanded = _MACRO.sub(repl, pattern)
    try:
        re.compile(expanded)
    except re.error as exc:
        raise ContentError(path, where, f"not a valid pattern: {exc}") from None
    return f"(?:{expanded})"


def _expand_macros(raw: dict[str, str], path: Path) -> dict[str, str]:
    """Macros may use macros defined above them. ``{b}`` is built in: a word boundary."""
    done: dict[str, str] = {"b": r"\b"}
    for name, body in raw.items():
        done[name] = _expand(body, done, path, f"macros.{name}")
    return done


def load_lexicon_file(path: Path) -> _Screen:
    """Validate and compile a lexicon file, and check every entry's examples against it."""
    lexicon: Lexicon = validate(Lexicon, path, read_yaml(path))
    screen = _Screen(lexicon, path)
    by_id = {e.id: e for e in screen.entries}
    for i, entry in enumerate(lexicon.entries):
        compiled = by_id[entry.id]
        for j, example in enumerate(entry.examples):
            norm, _ = screen.normalise(example)
            if not compiled.regex.search(norm):
                raise ContentError(path, f"entries[{i}] ({entry.id}).examples[{j}]", f"{example!r} does not match this entry")
        for j, example in enumerate(entry.not_examples):
            norm, _ = screen.normalise(example)
            hit = compiled.regex.search(norm)
            if hit:
                raise ContentError(
                    path, f"entries[{i}] ({entry.id}).not_examples[{j}]", f"{example!r} matches this entry at {hit.group()!r}"
                )
    return screen


@functools.cache
def _load_screen(root: Path) -> _Screen:
    path = root / "safety" / "lexicon.yaml"
    if not path.exists():
        raise ContentError(path, "(file)", "the safety lexicon is missing")
    return load_lexicon_file(path)


def lexicon_version() -> str:
    return _load_screen(content_dir()).version


def screen_text(text: str) -> ScreenResult:
    """Screen one free-text answer for self-harm, abuse or danger, and harm to others.

    Returns a :class:`ScreenResult`: ``flagged``, the ``categories`` found (in the order of
    :data:`CATEGORIES`) and the ``matches`` (category, lexicon entry, matched words) that
    explain the flag to a clinician. No numeric risk score is produced.

    Recall comes first. **A negated mention still flags**: "I'm not suicidal", "he has never
    hit me, but ..." and "I'd never hurt my kids" are all flagged, because disclosures often
    come as denials and the prompt that follows is gentle. (The one exception: wanting to
    "hurt" another adult, negated - "I don't want to hurt him" - is about feelings and is not
    flagged.) Ordinary relationship distress and idioms ("this argument is killing me",
    "I could die of embarrassment", "she hurt my feelings") are not flagged.

    Case, Unicode forms, curly apostrophes, spacing ("s u i c i d e"), leet ("k1ll") and
    one-letter misspellings of key words ("sucide") are handled; see the module docstring.
    The phrases are data, in ``content/safety/lexicon.yaml``; it is loaded once and cached.
    """
    if not text or not text.strip():
        return ScreenResult(False, (), (), _load_screen(content_dir()).version)
    return _load_screen(content_dir())(text)


def clear_cache() -> None:
    """Forget the loaded lexicon and resources (for tests and for authors editing them)."""
    _load_screen.cache_clear()
    resources.clear_cache()
