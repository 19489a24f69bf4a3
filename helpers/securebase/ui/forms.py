"""ipywidgets forms generated from content.

A form knows nothing about the store: it takes callbacks for saving, revising, deleting
and loading entries, so its behaviour can be tested in plain Python by setting
``.value`` and calling ``.click()``.

Safety: client text reaches the page only through ``Label``/``Text`` widgets (which use
``textContent``) or through ``HTML`` widgets after :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ipywidgets as w

from securebase.core.text import esc
from securebase.ui.styles import LABEL_STYLE as _LABEL_STYLE
from securebase.ui.styles import STACKED as _STACKED
from securebase.ui.styles import shared_layout, shared_style, text

from securebase.content import Exercise, FieldSpec, Locale
from securebase.ui.when import WhenInput
from securebase.content.fields import FieldWidget, WidgetKit
from securebase.journal.derived import derive, derived_labels
from securebase.core.errors import EntryValidationError, SecureBaseError
from securebase.ui.practice import GuidedSteps
from securebase.safety.check_in import Outcome
from securebase.safety.flags import safety_box_html
from securebase.ui.check_in import CheckInBox
from securebase.journal.entries import SaveResult
from securebase.store import Entry, EntryRef
from securebase.journal.validation import FieldProblem, OCCURRED_AT, validate_field

HISTORY_ROWS = 50
_EXCERPT = 60

# Stacked layout: the <label> that ipywidgets renders for ``description`` sits above the
# input and stays linked to it, so screen readers and keyboard users get a real label.


# Our own CSS (no client text): left-aligned labels above their inputs, readable tables.
_FORM_CSS = (
    "<style>.sb-form .widget-label{text-align:left;white-space:normal;}"
    ".sb-form .widget-checkbox{height:auto;align-items:flex-start;}"
    # a stacked dropdown (label above) needs room for both, not the one-line height widgets get
    ".sb-form .widget-dropdown{height:auto;}"
    ".sb-form .widget-dropdown > select{flex:0 0 auto;min-height:var(--jp-widgets-inline-height, 28px);}"
    ".sb-form .widget-checkbox label,.sb-form .widget-checkbox span{white-space:normal;overflow:visible;"
    "text-overflow:clip;height:auto;line-height:1.3;}"
    ".sb-form table.sb-history td,.sb-form table.sb-history th{padding:0.25rem 0.6rem 0.25rem 0;"
    "border-bottom:1px solid #d9dee6;line-height:1.35;}</style>"
)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{esc(p.strip())}</p>" for p in text.strip().split("\n\n") if p.strip())


def _error_box() -> w.HTML:
    return text(margin="0 0 0.2rem 0")


class FieldInput:
    """The widgets for one field, with value conversion and an inline message."""

    def __init__(self, spec: FieldSpec, loc: Locale):
        self.spec = spec
        self.error = _error_box()
        self._loc = loc
        self._built = self._build(loc)
        self.control = self._built.control
        self._parts: dict[str, w.ValueWidget] = self._built.parts
        items: list[w.Widget] = [self.control]
        if spec.suggestions:
            self.suggestion = w.Dropdown(
                options=[(loc.text("suggestion_pick"), None)] + [(text, text) for text in spec.suggestions],
                value=None, description=loc.text("suggestion_label"), style=shared_style(w.Dropdown, **_LABEL_STYLE),
                layout=shared_layout(width="100%", max_width="46rem"),
            )
            self.suggestion.observe(self._use_suggestion, names="value")
            items.insert(0, self.suggestion)
        if spec.help:
            items.append(text(f'<div class="sb-help" style="color:#5a6372;font-size:0.9em">{esc(spec.help)}</div>'))
        self.counter = text()   # how much room is left, once the text nears its limit
        self._counted = bool(spec.type.is_free_text and spec.text_limit and not self._parts
                             and isinstance(getattr(self.control, "value", None), str))
        if self._counted:
            items.append(self.counter)
        items.append(self.error)
        self.widget = w.VBox(items, layout=shared_layout(margin="0.4rem 0 0.6rem 0"))
        for part in self._value_widgets():
            part.observe(self._on_change, names="value")

    # -- construction
    def _label(self) -> str:
        return self.spec.label + (" *" if self.spec.required else "")

    def _build(self, loc: Locale) -> FieldWidget:
        """The field's type builds the widgets; the form gives it ipywidgets and its label and layout."""
        kit = WidgetKit(widgets=w, label=self._label(), style=shared_style, layout=shared_layout,
                        label_style=_LABEL_STYLE, stacked=_STACKED)
        return self.spec.type.build_widget(self.spec, loc, kit)

    def limit_ranking(self, picked: list[str]) -> None:
        """Offer only the options picked in the source field; keep places that are still valid."""
        self.spec.type.limit_widget(self.spec, self._built, self._loc, picked)

    def _use_suggestion(self, change: dict) -> None:
        if change["new"]:
            self.set(change["new"])
            self.suggestion.value = None

    def _value_widgets(self) -> list[w.ValueWidget]:
        return list(self._parts.values()) if self._parts else [self.control]

    # -- values
    def get(self) -> Any:
        """The raw answer as the person gave it (validation happens elsewhere)."""
        return self.spec.type.read_widget(self.spec, self._built)

    def set(self, value: Any) -> None:
        self.spec.type.fill_widget(self.spec, self._built, value)

    def clear(self) -> None:
        self.set(None)
        self.show_error("")

    # -- messages
    def show_error(self, message: str) -> None:
        self.error.value = f'<div class="sb-error" role="alert" style="color:#9a2a1f">{esc(message)}</div>' if message else ""

    def check(self, partial: bool = True) -> str:
        """Validate this field alone; return the message shown (empty when fine).

        While typing (``partial``) a list that is still too short is not flagged yet.
        """
        value = self.get()
        empty = value in (None, "", [], {}) or (isinstance(value, str) and not value.strip())
        if empty:
            message = ""  # 'required' is reported on save, not while typing
        else:
            try:
                validate_field(self.spec, value, partial=partial)
                message = ""
            except FieldProblem as exc:
                message = exc.advice or f"{self.spec.label} {exc}"
        self.show_error(message)
        return message

    def _on_change(self, _change: dict) -> None:
        self._count()
        self.check()

    def _count(self) -> None:
        """From 80 % of the field's limit on, say how many characters are left (or over)."""
        if not self._counted:
            return
        limit = self.spec.text_limit
        value = self.control.value
        if len(value) < 0.8 * limit:
            self.counter.value = ""
            return
        left = limit - len(value)
        text = (f"{left:,} characters left" if left >= 0 else
                f"{-left:,} characters over the limit of {limit:,}: shorten the text to save it")
        self.counter.value = f'<div class="sb-counter" aria-live="polite" style="color:#5a6372;font-size:0.9em">{text}</div>'



@dataclass
class FormCallbacks:
    """What the form asks of its workbook: save and revise return the :class:`SaveResult` (whose
    safety categories the form shows at once), delete a reference, load the history."""

    save: Callable[[dict[str, Any], str], SaveResult]
    revise: Callable[[str, dict[str, Any], str, int], SaveResult]
    delete: Callable[[str, int], EntryRef]
    load: Callable[[], list[Entry]]
    answer_check_in: Callable[[str, int, str], Outcome] | None = None   # entry id, revision, answer


class ExerciseForm:
    """A complete workbook form: fields, save, history table, edit and delete."""

    def __init__(self, exercise: Exercise, loc: Locale, callbacks: FormCallbacks):
        self.exercise = exercise
        self.loc = loc
        self.cb = callbacks
        self.editing: Entry | None = None
        self._entries: list[Entry] = []

        self.fields = {spec.id: FieldInput(spec, loc) for spec in exercise.fields}
        self.occurred_at = WhenInput(exercise.when_question(loc), loc)
        self.occurred_error = _error_box()
        self._saving = False
        auto = dict(width="auto")
        button = dict(style=shared_style(w.Button), layout=shared_layout(**auto))
        self.save_button = w.Button(description=loc.text("save"), button_style="primary", icon="check", **button)
        self.cancel_button = w.Button(description=loc.text("cancel_edit"), layout=w.Layout(display="none", width="auto"))
        self.status = text()
        self.history = text()
        self.picker = w.Dropdown(options=[], value=None, description=loc.text("history_pick"),
                                 style=shared_style(w.Dropdown, **_LABEL_STYLE),
                                 layout=shared_layout(width="100%", max_width="46rem"))
        self.edit_button = w.Button(description=loc.text("edit_selected"), icon="pencil", **button)
        self.delete_button = w.Button(description=loc.text("delete_selected"), icon="trash",  # hidden by some panels
                                      style=shared_style(w.Button), layout=w.Layout(**auto))
        self.confirm_delete_button = w.Button(description=loc.text("confirm_delete"), button_style="danger",
                                              layout=w.Layout(display="none", **auto))

        self.save_button.on_click(self._on_save)
        self.cancel_button.on_click(lambda _b: self._stop_editing())
        self.edit_button.on_click(self._on_edit)
        self.delete_button.on_click(self._on_delete)
        self.confirm_delete_button.on_click(self._on_confirm_delete)

        self.derived = text()
        self._wire_rankings()
        for part in [*self.occurred_at.parts(), *(p for f in self.fields.values() for p in f._value_widgets())]:
            part.observe(self._on_edit_answer, names="value")   # a change after a save can be saved again
        if derived_labels(exercise):
            for f in self.fields.values():
                for part in f._value_widgets():
                    part.observe(lambda _c: self._show_derived(), names="value")
        self.safety = text()  # crisis resources, shown at once when a save is flagged
        self.check_in = CheckInBox(loc, callbacks.answer_check_in)   # asked when a save is close to risk
        save_row = [self.derived, w.HBox([self.save_button, self.cancel_button], layout=shared_layout()), self.status, self.safety,
                    self.check_in.widget]
        self.guide: GuidedSteps | None = None
        if exercise.guided:
            self.guide = GuidedSteps(
                exercise, loc, {fid: f.widget for fid, f in self.fields.items()},
                first_page_extra=[self.occurred_at.widget, self.occurred_error], last_page_extra=save_row,
                check_page=self._check_page,
            )
            body = [self.guide.widget]
        else:
            body = [self.occurred_at.widget, self.occurred_error] + [f.widget for f in self.fields.values()] + save_row
        self.extra = w.VBox([])  # exercise-specific views (a plan's dates, a list's items) go here
        self.widget = w.VBox(
            [self._header()] + body
            + [self.extra, text(f"<h4>{esc(loc.text('history_title'))}</h4>"), self.history,
               self.picker, w.HBox([self.edit_button, self.delete_button, self.confirm_delete_button],
                                   layout=shared_layout())],
            layout=w.Layout(max_width="52rem"),
        )
        self.widget.add_class("sb-form")
        self.refresh()

    def _wire_rankings(self) -> None:
        for target in self.fields.values():
            if target.spec.rank_from:
                source = self.fields[target.spec.rank_from]
                update = lambda _c=None, s=source, t=target: t.limit_ranking(s.get())  # noqa: E731
                for box in source._value_widgets():
                    box.observe(update, names="value")
                update()

    def _show_derived(self) -> None:
        labels = derived_labels(self.exercise)
        values = derive(self.exercise, self.answers())
        self.derived.value = "".join(
            f'<div class="sb-derived" style="color:#3b4a63"><strong>{esc(labels[k])}:</strong> {esc(_fmt(v))}</div>'
            for k, v in values.items()
        )

    def _check_page(self, field_ids: list[str]) -> list[str]:
        """Problems on one page of a guided practice: the same rules as on save."""
        problems = []
        for fid in field_ids:
            f = self.fields[fid]
            value = f.get()
            if f.spec.required and (value in (None, "", [], {}) or (isinstance(value, str) and not value.strip())):
                f.show_error(f"{f.spec.label!r} needs an answer")
                problems.append(fid)
            elif f.check(partial=False):
                problems.append(fid)
        return problems

    def _header(self) -> w.HTML:
        ex = self.exercise
        parts = [_FORM_CSS, f"<h3>{esc(ex.title)}</h3>", _paragraphs(ex.instructions)]
        if ex.steps and not ex.guided:  # a guided practice shows its steps one page at a time instead
            parts.append("<ol>" + "".join(f"<li>{esc(s.text)}</li>" for s in ex.steps) + "</ol>")
        freq = ex.schedule.frequency
        when = self.loc.text(f"schedule_{freq}", slots=", ".join(s.label for s in ex.schedule.slots))
        parts.append(f'<p style="color:#5a6372"><em>{esc(when)}</em></p>')
        return text("".join(parts))

    # -- state
    def answers(self) -> dict[str, Any]:
        return {fid: f.get() for fid, f in self.fields.items()}

    def fill(self, data: dict[str, Any], occurred_at: str = "") -> None:
        for fid, f in self.fields.items():
            f.set(data.get(fid))
            f.show_error("")
        self.occurred_at.value = occurred_at[:16] if occurred_at else ""

    def clear(self) -> None:
        for f in self.fields.values():
            f.clear()
        self.occurred_at.value = ""
        self.occurred_error.value = ""

    def _set_status(self, message: str, kind: str = "info") -> None:
        colour = {"info": "#1d5a2e", "error": "#9a2a1f", "note": "#3b4a63"}[kind]
        role = ' role="alert"' if kind == "error" else ' role="status"'
        self.status.value = f'<div class="sb-status sb-{kind}"{role} style="color:{colour}">{esc(message)}</div>' if message else ""

    def _show_problems(self, problems: dict[str, str]) -> None:
        for fid, f in self.fields.items():
            f.show_error(problems.get(fid, ""))
        if self.guide is not None:
            pages = [0 if fid == OCCURRED_AT else self.guide.page_of(fid) for fid in problems]
            self.guide.go(min(pages, default=self.guide.page))
        when = problems.get(OCCURRED_AT, "")
        self.occurred_error.value = (
            f'<div class="sb-error" role="alert" style="color:#9a2a1f">{esc(self.exercise.when_question(self.loc))} {esc(when)}</div>'
            if when else ""
        )
        self._set_status(self.loc.text("not_saved", count=len(problems)), "error")

    # -- callbacks
    def _on_edit_answer(self, _change: dict) -> None:
        if self.save_button.disabled and not self._saving:
            self.save_button.disabled = False

    def _on_save(self, _button: w.Button | None = None) -> None:
        """Save (or revise) the entry. The button is off while saving and after a save, until an answer
        changes: a second press cannot save an empty form."""
        if self.save_button.disabled:
            return
        self._saving = True
        self.save_button.disabled = True
        try:
            saved = self._save()
        finally:
            self._saving = False
        self.save_button.disabled = saved

    def _save(self) -> bool:
        answers, when = self.answers(), self.occurred_at.value
        if self.check_in.answered:   # its "your entry is saved" is about the last entry, not this one
            self.check_in.hide()
        try:
            if self.editing is None:
                result = self.cb.save(answers, when)
                message = self.loc.text("saved", when=when.strip() or datetime.now().strftime("%Y-%m-%d %H:%M"))
            else:
                result = self.cb.revise(self.editing.entry_id, answers, when, self.editing.revision)
                message = self.loc.text("revised", revision=result.revision)
        except EntryValidationError as exc:
            self._show_problems(exc.problems)
            return False
        except SecureBaseError as exc:
            self._set_status(self.loc.text("store_error", message=str(exc)), "error")
            return False
        self._stop_editing(clear=True)
        if self.guide is not None:
            self.guide.go(0)
        self.refresh()
        self._set_status(message, "info")
        self.safety.value = safety_box_html(result.safety, self.loc)
        self.check_in.ask(result.screen_id, result.revision, result.check_in)
        return True

    def _on_edit(self, _button: w.Button | None = None) -> None:
        entry = self._selected()
        if entry is None:
            self._set_status(self.loc.text("edit_none"), "note")
            return
        self.editing = entry
        self.fill(entry.data, entry.occurred_at)
        if self.guide is not None:
            self.guide.go(0)
        self.save_button.description = self.loc.text("save_revision")
        self.save_button.disabled = False
        self.cancel_button.layout.display = None
        self._set_status(self.loc.text("editing", when=_when(entry)), "note")

    def _stop_editing(self, clear: bool = True) -> None:
        self.editing = None
        self.save_button.description = self.loc.text("save")
        self.cancel_button.layout.display = "none"
        if clear:
            self.clear()
        self._set_status("")

    def _on_delete(self, _button: w.Button | None = None) -> None:
        if self._selected() is None:
            self._set_status(self.loc.text("edit_none"), "note")
            return
        self.confirm_delete_button.layout.display = None

    def _on_confirm_delete(self, _button: w.Button | None = None) -> None:
        entry = self._selected()
        self.confirm_delete_button.layout.display = "none"
        if entry is None:
            return
        try:
            self.cb.delete(entry.entry_id, entry.revision)
        except SecureBaseError as exc:
            self._set_status(self.loc.text("store_error", message=str(exc)), "error")
            return
        if self.editing and self.editing.entry_id == entry.entry_id:
            self._stop_editing()
        self.refresh()
        self._set_status(self.loc.text("deleted"), "info")

    def _selected(self) -> Entry | None:
        return next((e for e in self._entries if e.entry_id == self.picker.value), None)

    # -- history
    def refresh(self) -> None:
        """Reload the client's entries into the history table and the edit picker."""
        self._entries = sorted(self.cb.load(), key=lambda e: (e.occurred_at, e.recorded_at), reverse=True)
        self.history.value = history_table(self.exercise, self._entries, self.loc)
        self.picker.options = [(f"{_when(e)} - {_excerpt(self.exercise, e)}", e.entry_id) for e in self._entries]
        self.picker.value = None


def _when(entry: Entry) -> str:
    return entry.occurred_at.replace("T", " ")[:16]


def _excerpt(exercise: Exercise, entry: Entry) -> str:
    for spec in exercise.fields:
        text = render_value(spec, entry.data.get(spec.id))
        if text:
            return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"
    return ""


def render_value(spec: FieldSpec, value: Any) -> str:
    """An answer as plain text (not escaped): option labels instead of ids, lists joined."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    return spec.type.render(spec, value)


def history_table(exercise: Exercise, entries: list[Entry], loc: Locale, limit: int = HISTORY_ROWS) -> str:
    """The history as an HTML table; every cell is escaped."""
    if not entries:
        return f'<p class="sb-history-empty" style="color:#5a6372">{esc(loc.text("history_empty"))}</p>'
    columns = exercise.history_fields
    extra = derived_labels(exercise)
    head = "".join(f'<th style="text-align:left;vertical-align:bottom">{esc(s.short_label or s.label)}</th>' for s in columns)
    head += "".join(f'<th style="text-align:left;vertical-align:bottom">{esc(label)}</th>' for label in extra.values())
    rows = []
    for e in entries[:limit]:
        cells = "".join(
            f'<td style="max-width:14rem;overflow-wrap:anywhere;vertical-align:top">{esc(_clip(render_value(s, e.data.get(s.id))))}</td>'
            for s in columns
        )
        computed = derive(exercise, e.data)
        cells += "".join(
            f'<td style="max-width:14rem;overflow-wrap:anywhere;vertical-align:top">{esc(_clip(_fmt(computed.get(k, ""))))}</td>'
            for k in extra
        )
        rev = f' <span style="color:#5a6372">({e.revision} {esc(loc.text("revisions"))})</span>' if e.revision > 1 else ""
        rows.append(f'<tr><td style="white-space:nowrap;vertical-align:top">{esc(_when(e))}{rev}</td>{cells}</tr>')
    more = (
        f'<p style="color:#5a6372">{esc(loc.text("history_more", shown=limit, total=len(entries)))}</p>'
        if len(entries) > limit else ""
    )
    return (
        '<div style="overflow-x:auto"><table class="sb-history" style="border-collapse:collapse;font-size:0.9em">'
        f'<thead><tr><th style="text-align:left;vertical-align:bottom">{esc(loc.text("when"))}</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>{more}'
    )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:+d}" if value else "0"
    return str(value)


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
