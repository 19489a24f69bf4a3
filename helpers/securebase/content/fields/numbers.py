"""Numeric field types: ``integer``, ``number`` and ``rating`` (a whole number on an anchored
scale, e.g. 0-10, shown as a row of buttons).

Numeric fields take ``min``/``max``; a group summary shows their mean. Ratings are the figures
that phase summaries, handouts and progress trends follow over days.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from securebase.content.fields.base import ExportRow, FieldKind, FieldProblem, FieldWidget, WidgetKit, describe, field_types
from securebase.core.text import esc

if TYPE_CHECKING:
    from securebase.content.model import FieldSpec, Locale


_WHOLE = "Enter a whole number, such as 12."
_NUMBER = "Enter a number, such as 4.5."


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise FieldProblem(f"must be a whole number, but got {describe(value)}", _WHOLE)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        return int(value)
    raise FieldProblem(f"must be a whole number, but got {describe(value)}", _WHOLE)


def _range_text(spec: FieldSpec) -> str:
    if spec.min is not None and spec.max is not None:
        return f"from {spec.min:g} to {spec.max:g}"
    if spec.min is not None:
        return f"of at least {spec.min:g}"
    return f"of at most {spec.max:g}"


def _check_range(number: float, spec: FieldSpec) -> None:
    if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
        raise FieldProblem(f"must be {_range_text(spec)}, but got {number:g}", f"Enter a number {_range_text(spec)}.")


def _number_text(x: int | float) -> str:
    return str(x) if isinstance(x, int) else repr(float(x))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class Integer(FieldKind):
    numeric = True
    redcap_type = "text"
    redcap_validation = "integer"
    whole_bounds = True      # 'min'/'max' must be whole numbers
    needs_bounds = False     # both 'min' and 'max' must be given

    def check_bounds(self, spec: FieldSpec) -> None:
        if self.needs_bounds and (spec.min is None or spec.max is None):
            raise ValueError(f"a {self.name} needs both 'min' and 'max'")
        super().check_bounds(spec)
        if self.whole_bounds:
            for bound in (spec.min, spec.max):
                if bound is not None and bound != int(bound):
                    raise ValueError(f"bounds of an {self.name} field must be whole numbers, got {bound:g}")

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        number = _whole_number(value)
        _check_range(number, spec)
        return number

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        return FieldWidget(kit.widgets.Text(value="", placeholder="", **kit.labelled(kit.widgets.Text)))

    def fill_widget(self, spec: FieldSpec, built: FieldWidget, value: Any) -> None:
        built.control.value = "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)

    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        return [(None, None, _number_text(value), float(value))] if _is_number(value) else None


class Number(Integer):
    redcap_validation = "number"
    whole_bounds = False

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        if isinstance(value, bool):
            raise FieldProblem(f"must be a number, but got {describe(value)}", _NUMBER)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise FieldProblem(f"must be a number, but got {describe(value)}", _NUMBER) from None
        if not math.isfinite(number):
            raise FieldProblem("must be a finite number")
        _check_range(number, spec)
        return number


class Rating(Integer):
    needs_bounds = True
    takes_trend = True
    rated = True

    def anchors(self, spec: FieldSpec) -> tuple[tuple[float | None, str], ...]:
        return ((spec.min, spec.min_label), (spec.max, spec.max_label)) if spec.min_label or spec.max_label else ()

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        w = kit.widgets
        options = [(str(i), i) for i in range(int(spec.min or 0), int(spec.max or 10) + 1)]
        buttons = w.ToggleButtons(options=options, value=None, description=kit.label,
                                  tooltips=[f"{spec.short_label or spec.label}: {o}" for o, _ in options],
                                  style=kit.style(w.ToggleButtons, button_width="2.6rem", description_width="initial"),
                                  layout=kit.layout())
        anchors = w.HTML(
            f'<div style="color:#5a6372;font-size:0.85em">{esc(spec.min_label)} ({spec.min:g}) &rarr; '
            f'{esc(spec.max_label)} ({spec.max:g})</div>', style=kit.style(w.HTML), layout=kit.layout()
        ) if spec.min_label or spec.max_label else None
        return FieldWidget(w.VBox([buttons] + ([anchors] if anchors else []), layout=kit.layout()), {"": buttons})

    def read_widget(self, spec: FieldSpec, built: FieldWidget) -> Any:
        return built.parts[""].value

    def fill_widget(self, spec: FieldSpec, built: FieldWidget, value: Any) -> None:
        built.parts[""].value = value


field_types.register("integer", Integer)
field_types.register("number", Number)
field_types.register("rating", Rating)
