"""The safety lexicon: its schema (validated when loaded), and its phrases compiled to one regular
expression per category. :mod:`securebase.safety.screen` runs it; the phrases are data, in
``content/safety/lexicon.yaml``.

Each entry has a ``tier``: ``flag`` (a clear disclosure: the save is flagged) or ``check_in`` (close
to risk but not clear - means, goodbyes, hopelessness, fear of a partner: the workbook asks the
person directly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from securebase.content import Identifier, Model, Text, read_yaml, unique, validate
from securebase.core.errors import ContentError
from securebase.safety.categories import CATEGORIES, Category
from securebase.safety.normalise import Normalise, Normaliser

_MACRO = re.compile(r"\{([a-z_]+)\}")
Tier = Literal["flag", "check_in"]

class LexiconEntry(Model):
    """One named group of phrases in one category."""

    id: Identifier
    category: Category
    tier: Tier = "flag"
    denial_inside: bool = False   # a denial among the phrase's own first words counts ("he has never hit me")
    figurative: bool = False      # also a figure of speech ("I'll kill him"): set aside when the backstop is sure
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


# --------------------------------------------------------------------------- compiled lexicon


@dataclass(frozen=True)
class Hit:
    """One lexicon entry matching at ``start:end`` of the normalised text."""

    entry: str
    category: str
    tier: str
    start: int
    end: int


@dataclass(frozen=True)
class _CompiledEntry:
    id: str
    category: str
    regex: re.Pattern[str]      # this entry alone (used to check its examples)
    inner: str                  # its alternatives, without the word-boundary wrapper


# Every pattern is wrapped in word boundaries that also respect apostrophes ("he'd", "she's").
_LEFT = r"(?<![\w])(?<![\w]')"
_RIGHT = r"(?![\w])(?!'\w)"


class CompiledLexicon:
    def __init__(self, lexicon: Lexicon, path: Path):
        self.version = lexicon.version
        self.normalise = Normaliser(lexicon.normalise)
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
        self.tier_of = {e.id: e.tier for e in lexicon.entries}
        self.denial_inside = frozenset(e.id for e in lexicon.entries if e.denial_inside)
        self.figurative = frozenset(e.id for e in lexicon.entries if e.figurative)

    def hits(self, norm: str) -> list[Hit]:
        """Every entry that matches the normalised text, as spans of that text."""
        found = []
        for regex in self.passes:
            for m in regex.finditer(norm):
                s, e = m.span()
                if e > s:
                    entry = m.lastgroup or ""
                    found.append(Hit(entry, self.category_of[entry], self.tier_of[entry], s, e))
        return found


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


def load_lexicon_file(path: Path) -> CompiledLexicon:
    """Validate and compile a lexicon file, and check every entry's examples against it."""
    lexicon: Lexicon = validate(Lexicon, path, read_yaml(path))
    screen = CompiledLexicon(lexicon, path)
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

