"""The ``ranking`` field type: an ordered pick of ``choices``, most important first, in
``max_items`` places. With ``rank_from`` it ranks only what was picked in a ``multi_choice``
field of the same exercise (the form offers only those options).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from securebase.content.fields.base import (
    ExportRow, FieldKind, FieldProblem, FieldWidget, WidgetKit, check_items, choice_value, describe, field_types,
    is_empty,
)
from securebase.content.fields.choices import MultiChoice, picked_rows

if TYPE_CHECKING:
    from securebase.content.model import FieldSpec, Locale


class Ranking(FieldKind):
    has_choices = True
    list_like = True
    takes_rank_from = True
    redcap_type = "checkbox"
    long_shape = "entries_long: one row per ranked option (position = rank, 1 = first; value = option)"

    def check_own(self, spec: FieldSpec) -> None:
        if not spec.max_items:
            raise ValueError(f"a {self.name} field needs 'max_items' (how many places to rank)")

    def check_in_exercise(self, spec: FieldSpec, fields: tuple[FieldSpec, ...]) -> None:
        if not spec.rank_from:
            return
        source = next((g for g in fields if g.id == spec.rank_from), None)
        if source is None or not isinstance(source.type, MultiChoice):
            raise ValueError(f"field {spec.id!r}: rank_from must name a multi_choice field of this exercise")
        if {c.value for c in source.choices} != {c.value for c in spec.choices}:
            raise ValueError(f"field {spec.id!r}: its choices must be those of {spec.rank_from!r}")

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise FieldProblem(f"must be a list of options, most important first, but got {describe(value)}")
        ranked = [choice_value(spec, v) for v in value if not is_empty(v)]
        if len(set(ranked)) != len(ranked):
            raise FieldProblem("names the same option twice; give each place a different option")
        check_items(spec, len(ranked), "ranked options", partial)
        return ranked

    def render(self, spec: FieldSpec, value: Any) -> str:
        return " > ".join(f"{i}. {spec.choice_label(v)}" for i, v in enumerate(value, start=1))

    def _options(self, spec: FieldSpec, loc: Locale, values: list[str]) -> list[tuple[str, Any]]:
        return [(loc.text("choose"), None)] + [(spec.choice_label(v), v) for v in values]

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        w = kit.widgets
        places = [
            w.Dropdown(options=self._options(spec, loc, [c.value for c in spec.choices]), value=None,
                       description=f"Choice {i}", style=kit.style(w.Dropdown, description_width="4.5rem"),
                       layout=kit.layout(width="100%", max_width="40rem"))
            for i in range(1, (spec.max_items or 3) + 1)
        ]
        return FieldWidget(w.VBox([w.Label(kit.label, style=kit.style(w.Label), layout=kit.layout())] + places,
                                  layout=kit.layout()), {str(i): d for i, d in enumerate(places)})

    def read_widget(self, spec: FieldSpec, built: FieldWidget) -> Any:
        return [d.value for d in built.parts.values() if d.value is not None]

    def fill_widget(self, spec: FieldSpec, built: FieldWidget, value: Any) -> None:
        items = list(value or [])
        for i, dropdown in enumerate(built.parts.values()):
            wanted = items[i] if i < len(items) else None
            if wanted is not None and wanted not in [v for _l, v in dropdown.options]:
                dropdown.options = list(dropdown.options) + [(spec.choice_label(wanted), wanted)]
            dropdown.value = wanted

    def limit_widget(self, spec: FieldSpec, built: FieldWidget, loc: Locale, picked: list[str]) -> None:
        """Offer only the options picked in the source field; keep places that are still valid."""
        for dropdown in built.parts.values():
            keep = dropdown.value if dropdown.value in picked else None
            dropdown.options = self._options(spec, loc, picked)
            dropdown.value = keep

    def codebook_annotation(self, spec: FieldSpec) -> str:
        return f"RANKING: up to {spec.max_items} places" + (f", of the options picked in {spec.rank_from}"
                                                            if spec.rank_from else "")

    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        return picked_rows(spec, value)


field_types.register("ranking", Ranking)
