"""Checking answers against the fields defined in content.

Pure functions, shared by the widget forms (interactive mode) and the answers-file
reader (batch mode). Every problem becomes a sentence that says what is wrong and how
to fix it; nothing is stored unless every answer in the entry is acceptable.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from securebase.content import Exercise, FieldSpec, FieldType
from securebase.core.errors import EntryValidationError

OCCURRED_AT = "occurred_at"
_ALLOWED_CONTROLS = {"\n", "\t"}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


class FieldProblem(ValueError):
    """One answer is not acceptable; the message is meant for the person filling the form."""


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, (list, tuple, set, dict)):
        return len(value) == 0
    return False


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def clean_text(value: Any, *, limit: int, multiline: bool) -> str:
    """Normalise free text and refuse what cannot be stored safely."""
    if not isinstance(value, str):
        raise FieldProblem(f"must be text, but got {type(value).__name__} {_describe(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FieldProblem("contains characters that are not valid text; retype it rather than pasting it") from None
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    for position, ch in enumerate(text, start=1):
        if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS:
            raise FieldProblem(
                f"contains an invisible control character (U+{ord(ch):04X}) at position {position}; "
                "delete it and retype that part (it usually comes from pasting)"
            )
    if not multiline:
        text = re.sub(r"\s*\n\s*", " ", text)
    if len(text) > limit:
        raise FieldProblem(
            f"is {len(text):,} characters long; the limit is {limit:,}. Shorten it or split it into two entries"
        )
    return text


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise FieldProblem(f"must be a whole number, but got {_describe(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        return int(value)
    raise FieldProblem(f"must be a whole number, but got {_describe(value)}")


def _range_text(spec: FieldSpec) -> str:
    if spec.min is not None and spec.max is not None:
        return f"from {spec.min:g} to {spec.max:g}"
    if spec.min is not None:
        return f"of at least {spec.min:g}"
    return f"of at most {spec.max:g}"


def _check_range(number: float, spec: FieldSpec) -> None:
    if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
        raise FieldProblem(f"must be {_range_text(spec)}, but got {number:g}")


def _choice(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, str):
        wanted = value.strip()
        for c in spec.choices:
            if wanted == c.value or wanted.casefold() == c.label.casefold():
                return c.value
    options = ", ".join(c.value for c in spec.choices)
    raise FieldProblem(f"{_describe(value)} is not one of the options ({options})")


def _items_count(spec: FieldSpec, n: int, noun: str, partial: bool = False) -> None:
    if spec.min_items is not None and n < spec.min_items and not partial:
        raise FieldProblem(f"needs at least {spec.min_items} {noun}, but has {n}")
    if spec.max_items is not None and n > spec.max_items:
        raise FieldProblem(f"allows at most {spec.max_items} {noun}, but has {n}")


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FieldProblem(f"{_describe(value)} is not a date; write it as YYYY-MM-DD, for example 2026-03-09")


def _parse_time(value: Any) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,2}:\d{2}\s*", value):
        hours, minutes = (int(p) for p in value.strip().split(":"))
        if hours < 24 and minutes < 60:
            return f"{hours:02d}:{minutes:02d}"
    raise FieldProblem(f"{_describe(value)} is not a time of day; write it as HH:MM, for example 18:30")


def validate_field(spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
    """Return the cleaned value of one non-empty answer, or raise :class:`FieldProblem`.

    ``partial`` is for checking while someone is still answering: a list that is not yet
    long enough is not a problem until the entry is saved.
    """
    t = spec.type
    if t in (FieldType.short_text, FieldType.long_text):
        return clean_text(value, limit=spec.text_limit or 0, multiline=t is FieldType.long_text)
    if t is FieldType.text_list:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise FieldProblem(f"must be a list of short texts, but got {_describe(value)}")
        items = []
        for i, item in enumerate(value, start=1):
            if _is_empty(item):
                continue
            try:
                items.append(clean_text(item, limit=spec.text_limit or 0, multiline=False))
            except FieldProblem as exc:
                raise FieldProblem(f"item {i} {exc}") from None
        _items_count(spec, len(items), "items", partial)
        return items
    if t in (FieldType.integer, FieldType.rating):
        number = _whole_number(value)
        _check_range(number, spec)
        return number
    if t is FieldType.number:
        if isinstance(value, bool):
            raise FieldProblem(f"must be a number, but got {_describe(value)}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise FieldProblem(f"must be a number, but got {_describe(value)}") from None
        if not math.isfinite(number):
            raise FieldProblem("must be a finite number")
        _check_range(number, spec)
        return number
    if t is FieldType.choice:
        return _choice(spec, value)
    if t is FieldType.multi_choice:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple, set)):
            raise FieldProblem(f"must be a list of options, but got {_describe(value)}")
        chosen = list(dict.fromkeys(_choice(spec, v) for v in value))
        _items_count(spec, len(chosen), "choices", partial)
        return chosen
    if t is FieldType.ranking:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise FieldProblem(f"must be a list of options, most important first, but got {_describe(value)}")
        ranked = [_choice(spec, v) for v in value if not _is_empty(v)]
        if len(set(ranked)) != len(ranked):
            raise FieldProblem("names the same option twice; give each place a different option")
        _items_count(spec, len(ranked), "ranked options", partial)
        return ranked
    if t is FieldType.boolean:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise FieldProblem(f"must be yes or no, but got {_describe(value)}")
    if t is FieldType.date:
        return parse_date(value).isoformat()
    if t is FieldType.time:
        return _parse_time(value)
    if t is FieldType.body_map:
        if not isinstance(value, Mapping):
            raise FieldProblem(f"must map body locations to a state, but got {_describe(value)}")
        states = {s.value for s in spec.states}
        cleaned: dict[str, str] = {}
        for location, state in value.items():
            if _is_empty(state):
                continue
            loc = _choice(spec, location)
            if not isinstance(state, str) or state not in states:
                raise FieldProblem(
                    f"{_describe(state)} is not a state for {loc}; use one of: {', '.join(sorted(states))}"
                )
            cleaned[loc] = state
        _items_count(spec, len(cleaned), "body locations", partial)
        return dict(sorted(cleaned.items()))
    raise AssertionError(f"unhandled field type {t}")  # pragma: no cover


def validate_answers(exercise: Exercise, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Check all answers of one entry; return them cleaned or raise :class:`EntryValidationError`."""
    if not isinstance(answers, Mapping):
        raise EntryValidationError({"(entry)": f"answers must be a mapping of field id to value, not {type(answers).__name__}"})
    problems: dict[str, str] = {}
    known = {f.id for f in exercise.fields}
    for key in answers:
        if key not in known:
            problems[str(key)] = (
                f"{exercise.title!r} has no question with id {key!r}; the questions are: {', '.join(sorted(known))}"
            )
    cleaned: dict[str, Any] = {}
    for spec in exercise.fields:
        value = answers.get(spec.id)
        if _is_empty(value):
            if spec.required:
                problems[spec.id] = f"{spec.label!r} needs an answer"
            continue
        try:
            cleaned[spec.id] = validate_field(spec, value)
        except FieldProblem as exc:
            problems[spec.id] = f"{spec.label!r} {exc}"
    for spec in exercise.fields:  # a ranking may only rank what was picked in its source field
        if spec.rank_from and spec.id in cleaned and spec.id not in problems:
            picked = set(cleaned.get(spec.rank_from, []))
            stray = [v for v in cleaned[spec.id] if v not in picked]
            if stray:
                problems[spec.id] = (
                    f"{spec.label!r} ranks {', '.join(map(repr, stray))}, which you did not pick in "
                    f"{exercise.field(spec.rank_from).label!r}; pick it there first or rank another value"
                )
    if problems:
        raise EntryValidationError(problems)
    return cleaned


def parse_occurred_at(value: Any, *, now: datetime | None = None) -> str:
    """When the experience happened, as ``YYYY-MM-DDTHH:MM:SS`` local time; empty means now."""
    now = (now or datetime.now()).replace(microsecond=0)
    if _is_empty(value):
        moment = now
    elif isinstance(value, datetime):
        moment = value.replace(tzinfo=None, microsecond=0)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(12, 0))
    elif isinstance(value, str):
        text = value.strip().replace(" ", "T", 1)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise EntryValidationError(
                {OCCURRED_AT: f"{_describe(value)} is not a date and time; write it as YYYY-MM-DD HH:MM, "
                 "for example 2026-03-09 18:30"}
            ) from None
        if moment.tzinfo is not None:
            moment = moment.astimezone().replace(tzinfo=None)
        if len(text) == 10:  # a bare date: midday, so that the day is right in any time zone
            moment = moment.replace(hour=12)
        moment = moment.replace(microsecond=0)
    else:
        raise EntryValidationError({OCCURRED_AT: f"must be a date and time, but got {_describe(value)}"})
    if moment > now + timedelta(hours=1):
        raise EntryValidationError({OCCURRED_AT: f"{moment:%Y-%m-%d %H:%M} is in the future; check the date"})
    if moment.year < 1900:
        raise EntryValidationError({OCCURRED_AT: f"{moment:%Y-%m-%d} is too far in the past; check the year"})
    return moment.isoformat()
