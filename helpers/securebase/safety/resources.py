"""The crisis resources (``content/safety/resources/<language>.yaml``), shown at once after a
flagged save and, any time, in the help section of every workbook.

Validated on load: an emergency number is required, and every line needs a number or a web
address. :func:`resources_text` and :func:`resources_html` (escaped) list the lines whose topics
match the flagged categories first.

Two framings, one list: after a flagged save (``after_save=True``, the default) the text opens
with ``saved_notice`` and ``intro`` ("some of what you wrote suggests...") and ends with
``closing``. In the help section (``after_save=False``) that text would be wrong for someone who
wrote nothing worrying, or nothing at all, so it opens with ``help_intro`` (what the section is for:
where to turn, any time) and ends with ``help_closing`` instead."""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from securebase.content import Model, Text, content_dir, load_language_file, read_yaml, validate
from securebase.safety.categories import CATEGORIES, Category


class Emergency(Model):
    text: Text
    number: Text

    @field_validator("number")
    @classmethod
    def _has_digit(cls, value: str) -> str:
        if not any(c.isdigit() for c in value):
            raise ValueError("the emergency number must contain a number")
        return value


class CrisisLine(Model):
    name: Text
    number: str = ""
    url: str = ""
    how: str = ""                 # e.g. "call or text 988"
    for_whom: Text
    region: Text
    topics: tuple[Category, ...] = CATEGORIES   # which concerns the line is for (used for ordering only)

    @model_validator(mode="after")
    def _reachable(self) -> "CrisisLine":
        if not self.number.strip() and not self.url.strip():
            raise ValueError("a crisis line needs a 'number' or a 'url'")
        if self.number and not any(c.isdigit() for c in self.number):
            raise ValueError("'number' must contain digits")
        if self.url and (any(c.isspace() for c in self.url) or "<" in self.url or ">" in self.url):
            raise ValueError("'url' must be a plain web address without spaces")
        if not self.topics:
            raise ValueError("'topics' must name at least one category")
        return self


class Resources(Model):
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")]
    saved_notice: Text            # after a flagged save, first: the entry was saved; the tool is not watched in real time
    intro: Text                   # after a flagged save only: what was written suggests a hard time
    help_intro: Text              # the help section, for everyone: what the section is for
    emergency: Emergency
    lines_title: Text
    lines: tuple[CrisisLine, ...] = Field(min_length=1)
    closing: str = ""             # after a flagged save
    help_closing: str = ""        # the help section


def load_resources_file(path: Path) -> Resources:
    return validate(Resources, path, read_yaml(path))


@functools.cache
def _load_resources(root: Path, language: str) -> Resources:
    return load_language_file(root / "safety" / "resources", language, load_resources_file,
                              "crisis resources for this language")


def resources(language: str = "en") -> Resources:
    """The crisis resources for ``language`` from ``content/safety/resources/<language>.yaml``."""
    return _load_resources(content_dir(), language)


def _ordered_lines(res: Resources, categories: Iterable[str]) -> list[CrisisLine]:
    wanted = set(categories)
    if not wanted:
        return list(res.lines)
    relevant = [line for line in res.lines if wanted & set(line.topics)]
    return relevant + [line for line in res.lines if line not in relevant]


def _line_parts(line: CrisisLine) -> list[str]:
    parts = [line.name]
    if line.number:
        parts.append(line.number)
    if line.how:
        parts.append(line.how)
    if line.url:
        parts.append(line.url)
    return parts


def _framing(res: Resources, after_save: bool) -> tuple[list[str], str]:
    """The opening paragraphs and the closing one, for after a flagged save or for the help section."""
    if after_save:
        return [res.saved_notice, res.intro], res.closing
    return [res.help_intro], res.help_closing


def resources_text(res: Resources, categories: Iterable[str] = (), *, after_save: bool = True) -> list[str]:
    """Plain lines (not escaped). Lines for the flagged ``categories`` come first; all are shown.

    ``after_save=False`` is the help section's framing (see the module docstring)."""
    opening, closing = _framing(res, after_save)
    out = [*opening, f"{res.emergency.text}."
           if not res.emergency.text.endswith((".", "!", "?")) else res.emergency.text, res.lines_title]
    for line in _ordered_lines(res, categories):
        out.append(f"- {' - '.join(_line_parts(line))} ({line.region}): {line.for_whom}")
    if closing:
        out.append(closing)
    return out


def resources_html(res: Resources, categories: Iterable[str] = (), *, after_save: bool = True) -> str:
    """An HTML fragment; every text is escaped, and addresses are plain text, not links.

    ``after_save=False`` is the help section's framing (see the module docstring)."""
    e = html.escape
    opening, closing = _framing(res, after_save)
    emergency = res.emergency.text if res.emergency.text.endswith((".", "!", "?")) else f"{res.emergency.text}."
    items = []
    for line in _ordered_lines(res, categories):
        parts = _line_parts(line)
        head = f"<strong>{e(parts[0])}</strong>"
        rest = "".join(f" &middot; {e(p)}" for p in parts[1:])
        items.append(f"<li>{head}{rest} <em>({e(line.region)})</em>: {e(line.for_whom)}</li>")
    body = [
        '<div class="sb-safety-resources" role="note">',
        *(f"<p>{e(p)}</p>" for p in opening),
        f"<p><strong>{e(emergency)}</strong></p>",
        f"<p>{e(res.lines_title)}</p>",
        "<ul>",
        *items,
        "</ul>",
    ]
    if closing:
        body.append(f"<p>{e(closing)}</p>")
    body.append("</div>")
    return "\n".join(body)


def clear_cache() -> None:
    _load_resources.cache_clear()
