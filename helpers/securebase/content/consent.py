"""Consent texts (``content/consent/<kind>.yaml``): what a client agrees to, versioned and validated on load.

Two kinds: ``treatment`` (using the workbooks with their clinician) and ``research`` (their entries, de-identified,
in research exports). A version is ``MAJOR.MINOR``: a new major version asks everyone to agree again, so a consent
given to an older major version is no longer current; a minor version (a wording fix) keeps it current.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field

from securebase.content.loader import content_dir, read_yaml, validate
from securebase.core.errors import ContentError
from securebase.content.model import Model, Text

KINDS = ("treatment", "research")


class ConsentText(Model):
    kind: Literal["treatment", "research"]
    version: str = Field(pattern=r"^\d+\.\d+$")
    title: Text
    summary: Text
    text: tuple[Text, ...] = Field(min_length=1)

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


def same_major(version: str, other: str) -> bool:
    return version.split(".")[0] == other.split(".")[0]


@functools.cache
def _load(root: Path) -> dict[str, ConsentText]:
    found: dict[str, ConsentText] = {}
    for kind in KINDS:
        path = root / "consent" / f"{kind}.yaml"
        if not path.is_file():
            raise ContentError(path, "(file)", f"is missing: every store needs a {kind} consent text")
        made = validate(ConsentText, path, read_yaml(path))
        if made.kind != kind:
            raise ContentError(path, "kind", f"says {made.kind!r}, but the file is the {kind} consent text")
        found[kind] = made
    return found


def consent_text(kind: str) -> ConsentText:
    """The current text of ``kind`` (``treatment`` or ``research``)."""
    if kind not in KINDS:
        raise KeyError(f"unknown consent {kind!r}; use {' or '.join(KINDS)}")
    return _load(content_dir())[kind]


def clear_cache() -> None:
    _load.cache_clear()
