"""Checks shared by the content schema (:mod:`securebase.content.model`) and the field types
(:mod:`securebase.content.fields`)."""

from __future__ import annotations

from collections.abc import Iterable


def unique(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"duplicate {what} {v!r}")
        seen.add(v)
