"""The ``body_map`` field type: body locations (``choices``), each marked with one of ``states``
(e.g. threat or safety signal) or left unmarked. Stored as ``{location: state}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from securebase.content.checks import unique
from securebase.content.fields.base import (
    ExportRow, FieldKind, FieldProblem, FieldWidget, WidgetKit, check_items, choice_value, choices_text, describe,
    field_types, is_empty,
)

if TYPE_CHECKING:
    from securebase.content.model import FieldSpec, Locale


class BodyMap(FieldKind):
    has_choices = True
    list_like = True
    tallied = True                 # counted as location:state pairs
    redcap_type = "checkbox"
    long_shape = "entries_long: one row per location marked (key = location, value = state)"

    def check_states(self, spec: FieldSpec) -> None:
        if len(spec.states) < 2:
            raise ValueError(f"a {self.name} field needs at least two 'states'")
        unique([s.value for s in spec.states], "state value")

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        if not isinstance(value, Mapping):
            raise FieldProblem(f"must map body locations to a state, but got {describe(value)}")
        states = {s.value for s in spec.states}
        cleaned: dict[str, str] = {}
        for location, state in value.items():
            if is_empty(state):
                continue
            loc = choice_value(spec, location)
            if not isinstance(state, str) or state not in states:
                raise FieldProblem(
                    f"{describe(state)} is not a state for {loc}; use one of: {', '.join(sorted(states))}"
                )
            cleaned[loc] = state
        check_items(spec, len(cleaned), "body locations", partial)
        return dict(sorted(cleaned.items()))

    def render(self, spec: FieldSpec, value: Any) -> str:
        states = {s.value: s.label for s in spec.states}
        return "; ".join(f"{spec.choice_label(loc)}: {states.get(state, state)}" for loc, state in value.items())

    def tally_label(self, spec: FieldSpec, value: str) -> str:
        loc, state = value.split(":", 1)   # counted as location:state
        return f"{spec.choice_label(loc)}: {next((s.label for s in spec.states if s.value == state), state)}"

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        w = kit.widgets
        options = [(loc.text("not_marked"), "")] + [(s.label, s.value) for s in spec.states]
        parts = {}
        for c in spec.choices:
            parts[c.value] = w.ToggleButtons(options=options, value="", description=c.label,
                                             tooltips=[f"{c.label}: {label}" for label, _ in options],
                                             style=kit.style(w.ToggleButtons, description_width="10rem", button_width="8rem"),
                                             layout=kit.layout())
        return FieldWidget(w.VBox([w.Label(kit.label, style=kit.style(w.Label), layout=kit.layout())] + list(parts.values()),
                                  layout=kit.layout()), parts)

    def read_widget(self, spec: FieldSpec, built: FieldWidget) -> Any:
        return {loc: t.value for loc, t in built.parts.items() if t.value}

    def fill_widget(self, spec: FieldSpec, built: FieldWidget, value: Any) -> None:
        marks = dict(value or {})
        for loc, toggle in built.parts.items():
            toggle.value = marks.get(loc, "")

    def codebook_annotation(self, spec: FieldSpec) -> str:
        return "BODY MAP: each location marked takes one state: " + choices_text((s.value, s.label) for s in spec.states)

    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        choices = {c.value for c in spec.choices}
        states = {s.value for s in spec.states}
        if not isinstance(value, dict) or not all(k in choices and v in states for k, v in value.items()):
            return None
        return [(None, k, v, None) for k, v in sorted(value.items())]


field_types.register("body_map", BodyMap)
