"""Free-text field types: ``short_text`` (one line), ``long_text`` (several lines) and ``text_list``
(a list of short items).

Free text is screened for safety when saved, left out of the default research export and
limited in length (``max_length``, else :attr:`~FieldKind.default_max_length`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from securebase.content.fields.base import (
    ExportRow, FieldKind, FieldProblem, FieldWidget, WidgetKit, check_items, clean_text, describe, field_types,
    is_empty,
)

if TYPE_CHECKING:
    from securebase.content.model import FieldSpec, Locale

MAX_LIST_BOXES = 10   # a text list of at most this many items gets one box per item


class ShortText(FieldKind):
    is_free_text = True
    default_max_length = 300
    takes_suggestions = True
    redcap_type = "text"
    multiline = False

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        return clean_text(value, limit=spec.text_limit or 0, multiline=self.multiline)

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        return FieldWidget(kit.widgets.Text(value="", placeholder="", **kit.labelled(kit.widgets.Text)))

    def fill_widget(self, spec: FieldSpec, built: FieldWidget, value: Any) -> None:
        built.control.value = value or ""

    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        if not isinstance(value, str):
            return None
        shown = show_text(value)
        return [] if shown is None else [(None, None, shown, None)]


class LongText(ShortText):
    default_max_length = 20_000
    redcap_type = "notes"
    multiline = True

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        return FieldWidget(kit.widgets.Textarea(value="", rows=3, **kit.labelled(kit.widgets.Textarea)))


class TextList(FieldKind):
    is_free_text = True
    default_max_length = 300
    list_like = True
    redcap_type = "notes"
    long_shape = "entries_long: one row per item (position = order written)"

    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise FieldProblem(f"must be a list of short texts, but got {describe(value)}")
        items = []
        for i, item in enumerate(value, start=1):
            if is_empty(item):
                continue
            try:
                items.append(clean_text(item, limit=spec.text_limit or 0, multiline=False))
            except FieldProblem as exc:
                raise FieldProblem(f"item {i} {exc}") from None
        check_items(spec, len(items), "items", partial)
        return items

    def render(self, spec: FieldSpec, value: Any) -> str:
        return " / ".join(value)

    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        w = kit.widgets
        if spec.max_items and spec.max_items <= MAX_LIST_BOXES:
            name = spec.short_label or spec.label  # each box is labelled on its own, for screen readers
            boxes = [
                w.Text(value="", description=f"{name} {i}", style=kit.style(w.Text, **kit.label_style),
                       layout=kit.layout(width="100%", max_width="40rem"))
                for i in range(1, spec.max_items + 1)
            ]
            return FieldWidget(w.VBox([w.Label(kit.label, style=kit.style(w.Label), layout=kit.layout())] + boxes,
                                              layout=kit.layout()), {str(i): b for i, b in enumerate(boxes)})
        return FieldWidget(w.Textarea(value="", rows=4, placeholder=loc.text("list_placeholder"), **kit.labelled(w.Textarea)))

    def read_widget(self, spec: FieldSpec, built: FieldWidget) -> Any:
        if built.parts:
            return [b.value for b in built.parts.values() if b.value.strip()]
        return [line for line in built.control.value.splitlines() if line.strip()]

    def fill_widget(self, spec: FieldSpec, built: FieldWidget, value: Any) -> None:
        items = list(value or [])
        if built.parts:
            for i, box in enumerate(built.parts.values()):
                box.value = items[i] if i < len(items) else ""
        else:
            built.control.value = "\n".join(items)

    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
            return None
        out: list[ExportRow] = []
        for n, item in enumerate(value, start=1):
            shown = show_text(item)
            if shown is None:
                return []
            out.append((n, None, shown, None))
        return out


field_types.register("short_text", ShortText)
field_types.register("long_text", LongText)
field_types.register("text_list", TextList)
