"""Calendar field types: ``date`` (stored as ``YYYY-MM-DD``) and ``time`` (a time of day, ``HH:MM``).

Dates inside answers are shifted with the person's offset in the research export, like the
dates of the entries themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from securebase.content.fields.base import ExportRow, FieldKind, FieldProblem, FieldWidget, WidgetKit, describe, field_types

if TYPE_CHECKING:
    from securebase.content.model import FieldSpec, Locale

_TIME = re.compile(r"^\d{2}:\d{2}\Z")


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
    raise FieldProblem(f"{describe(value)} is not a date; write it as YYYY-MM-DD, for example 2026-03-09")


def _parse_time(value: Any) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,2}:\d{2}\s*", value):
        hours, minutes = (int(p) for p in value.strip().split(":"))
        if hours < 24 and minutes < 60:
            return f"{hours:02d}:{minutes:02d}"
    raise FieldProblem(f"{describe(value)} is not a time of day; write it as HH:MM, for example 18:30")


class Date(FieldKind):
    redcap_type = "text"
    redcap_validation = "date_ymd"

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        return parse_date(value).isoformat()

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        return FieldWidget(kit.widgets.DatePicker(value=None, **kit.labelled(kit.widgets.DatePicker)))

    def fill_widget(self, spec: FieldSpec, built: FieldWidget, value: Any) -> None:
        built.control.value = datetime.fromisoformat(value).date() if isinstance(value, str) else value

    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        try:
            day = date.fromisoformat(value)
        except (TypeError, ValueError):
            return None
        moved = shift_date(day)   # a (shifted) date, or a day number when the export has no dates
        return [(None, None, moved.isoformat(), None)] if isinstance(moved, date) else [(None, None, str(moved), float(moved))]


class Time(FieldKind):
    redcap_type = "text"
    redcap_validation = "time"

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        return _parse_time(value)

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        return FieldWidget(kit.widgets.Text(value="", placeholder="HH:MM", **kit.labelled(kit.widgets.Text)))

    def fill_widget(self, spec: FieldSpec, built: FieldWidget, value: Any) -> None:
        built.control.value = value or ""

    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        return [(None, None, value, None)] if isinstance(value, str) and _TIME.match(value) else None


field_types.register("date", Date)
field_types.register("time", Time)
