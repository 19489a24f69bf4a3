"""Option field types: ``choice`` (one of ``choices``), ``multi_choice`` (any of them) and
``boolean`` (yes or no).

An option is stored by its value; a person may answer with the value or the label.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from securebase.content.fields.base import (
    ExportRow, FieldKind, FieldProblem, FieldWidget, WidgetKit, check_items, choice_value, describe, field_types,
)

if TYPE_CHECKING:
    from securebase.content.model import FieldSpec, Locale

MAX_RADIO_OPTIONS = 6   # a choice of more options is a dropdown
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def picked_rows(spec: FieldSpec, value: Any) -> list[ExportRow] | None:
    """A list of options, one row each, ``position`` = place in the list."""
    choices = {c.value for c in spec.choices}
    if not isinstance(value, list) or not all(isinstance(v, str) and v in choices for v in value):
        return None
    return [(n, None, v, None) for n, v in enumerate(value, start=1)]


class Choice(FieldKind):
    has_choices = True
    tallied = True
    poll_source = True
    redcap_type = "radio"

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        return choice_value(spec, value)

    def render(self, spec: FieldSpec, value: Any) -> str:
        return spec.choice_label(value)

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        options = [(c.label, c.value) for c in spec.choices]
        if len(options) <= MAX_RADIO_OPTIONS:
            return FieldWidget(kit.widgets.RadioButtons(options=options, value=None, **kit.labelled(kit.widgets.RadioButtons)))
        return FieldWidget(kit.widgets.Dropdown(options=options, value=None, **kit.labelled(kit.widgets.Dropdown)))

    def group_options(self, spec: FieldSpec) -> list[tuple[Any, str]] | None:
        return [(c.value, c.label) for c in spec.choices]

    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        choices = {c.value for c in spec.choices}
        return [(None, None, value, None)] if isinstance(value, str) and value in choices else None


class MultiChoice(Choice):
    list_like = True
    redcap_type = "checkbox"
    long_shape = "entries_long: one row per option picked (position = order picked, value = option)"

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple, set)):
            raise FieldProblem(f"must be a list of options, but got {describe(value)}")
        chosen = list(dict.fromkeys(choice_value(spec, v) for v in value))
        check_items(spec, len(chosen), "choices", partial)
        return chosen

    def render(self, spec: FieldSpec, value: Any) -> str:
        return ", ".join(spec.choice_label(v) for v in value)

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        w = kit.widgets
        boxes = [w.Checkbox(value=False, description=c.label, indent=False, style=kit.style(w.Checkbox),
                            layout=kit.layout(width="auto"))
                 for c in spec.choices]
        grid = w.GridBox(boxes, layout=kit.layout(grid_template_columns="repeat(auto-fill, minmax(15rem, 1fr))",
                                                 max_width="46rem"))
        return FieldWidget(w.VBox([w.Label(kit.label, style=kit.style(w.Label), layout=kit.layout()), grid],
                                  layout=kit.layout()), {c.value: b for c, b in zip(spec.choices, boxes)})

    def read_widget(self, spec: FieldSpec, built: FieldWidget) -> Any:
        return [value for value, box in built.parts.items() if box.value]

    def fill_widget(self, spec: FieldSpec, built: FieldWidget, value: Any) -> None:
        chosen = set(value or [])
        for v, box in built.parts.items():
            box.value = v in chosen

    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        return picked_rows(spec, value)


class Boolean(FieldKind):
    redcap_type = "yesno"

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise FieldProblem(f"must be yes or no, but got {describe(value)}")

    def render(self, spec: FieldSpec, value: Any) -> str:
        return "Yes" if value else "No"

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        return FieldWidget(kit.widgets.RadioButtons(options=[("Yes", True), ("No", False)], value=None,
                                                    **kit.labelled(kit.widgets.RadioButtons)))

    def group_options(self, spec: FieldSpec) -> list[tuple[Any, str]] | None:
        return [(True, "yes"), (False, "no")]

    def redcap_choices(self, spec: FieldSpec) -> list[tuple[Any, str]]:
        return [(1, "Yes"), (0, "No")]   # as their value in the export

    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        return [(None, None, "1" if value else "0", float(value))] if isinstance(value, bool) else None


field_types.register("choice", Choice)
field_types.register("multi_choice", MultiChoice)
field_types.register("boolean", Boolean)
