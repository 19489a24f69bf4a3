"""Small text helpers the writing helpers share: word lists as patterns, whole-word finds, and
joining and shortening phrases in the locale's own words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from securebase.content import Locale, locale

APOS = "['’]"


def use_locale(loc: Locale | None) -> Locale:
    return loc if loc is not None else locale("en")


def split_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?", text or "")


def find_words(patterns: Iterable[str], text: str) -> list[str]:
    """The distinct whole-word matches (lower case) of any of ``patterns``."""
    found: list[str] = []
    for pattern in patterns:
        for m in re.finditer(rf"\b(?:{pattern})\b", text, re.IGNORECASE):
            word = m.group(0).lower()
            if word not in found:
                found.append(word)
    return found


def words_pattern(words: Iterable[str]) -> str:
    return "|".join(w.replace("'", APOS).replace(" ", r"\s+") for w in words)


def clean_line(text: Any) -> str:
    """One line of text without surrounding space or a final full stop."""
    return " ".join(str(text or "").split()).rstrip(" .")


def lower_first(text: str) -> str:
    """Lower-case the first letter, except for "I", "I'm" and the like."""
    if not text or re.match(rf"I\b|I{APOS}", text):
        return text
    return text[0].lower() + text[1:]


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def and_list(items: list[str], loc: Locale) -> str:
    return items[0] if len(items) == 1 else loc.text("asb_and_list", items=", ".join(items[:-1]), last=items[-1])


def shorten_text(text: str, limit: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
