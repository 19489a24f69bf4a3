"""Helpers shown inside some Autonomy-Security Balance forms (widgets). Each is the panel of a
behaviour (``trigger_nudge``, ``activation_wording``, ``script_from_journal``, ``blame_check``,
``help_screen``), registered by that name in :mod:`securebase.ui.panels`.

* **Activation journal**: a nudge under the trigger question while it is still vague.
* **Naming the activation**: wording to start from, put into the statement on request.
* **Disclosure script**: fill the four parts from one of the person's activation-journal
  entries, then write a draft script from them.
* **Blame check**: what the checker spots in the draft as it is typed, a button to tick those
  signs, and a starting point for a rewording.
* **Is it time for more support?**: what the answers suggest, as they change and once saved.

The rules live in :mod:`securebase.journal.disclosure`. Nothing here blocks saving, and nothing ever
overwrites words the person wrote. Client text reaches the page only escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from securebase.journal import disclosure as d
from securebase.core.text import esc
from securebase.ui.forms import ExerciseForm, FieldInput

if TYPE_CHECKING:  # pragma: no cover
    from securebase.notebook.workbook import Workbook

_MUTED, _NOTE, _ALERT = "#5a6372", "#3b4a63", "#9a2a1f"
_BOX = "margin:0.2rem 0 0.4rem 0;padding:0.4rem 0.6rem;border-left:3px solid #c9d3e0;background:#f6f8fb;max-width:44rem"


# ----------------------------------------------------------------- small helpers

def _under(field: FieldInput, *widgets: w.Widget) -> None:
    """Show widgets right under a question (after its help and message)."""
    field.widget.children = tuple(field.widget.children) + widgets


def _above(field: FieldInput, *widgets: w.Widget) -> None:
    field.widget.children = widgets + tuple(field.widget.children)


def _button(label: str, icon: str = "") -> w.Button:
    return w.Button(description=label, icon=icon, layout=w.Layout(width="auto"))


def _message(text: str, quote: str = "", kind: str = "note") -> str:
    """A short message (escaped), optionally with a quoted block of text under it."""
    if not text:
        return ""
    colour = {"note": _NOTE, "alert": _ALERT}[kind]
    role = "alert" if kind == "alert" else "status"
    block = f'<blockquote style="{_BOX}">{esc(quote)}</blockquote>' if quote else ""
    return f'<div class="sb-helper" role="{role}" style="color:{colour}">{esc(text)}</div>{block}'


def _is_empty(value: Any) -> bool:
    return value in (None, "", [], {}) or (isinstance(value, str) and not value.strip())


def _watch(field: FieldInput, callback: Any) -> None:
    for part in field._value_widgets():
        part.observe(lambda _change: callback(), names="value")


# ----------------------------------------------------------------- 1. activation journal

class TriggerNudgePanel:
    """A gentle nudge under the trigger question while it is vague; it never stops a save."""

    def __init__(self, workbook: "Workbook", form: ExerciseForm):
        self.loc = workbook.loc
        self.form = form
        self.field = form.fields["trigger"]
        self.nudge = w.HTML(value="", layout=w.Layout(display="none"))
        _under(self.field, self.nudge)
        _watch(self.field, self.refresh)
        self.widget = w.VBox([])
        self.refresh()

    def refresh(self) -> None:
        text = d.trigger_nudge(self.field.get() or "", loc=self.loc)
        self.nudge.value = f'<div class="sb-nudge" role="status" style="{_BOX};color:{_NOTE}">{esc(text)}</div>' if text else ""
        self.nudge.layout.display = None if text else "none"


# ----------------------------------------------------------------- 2. naming the activation

class NamingPanel:
    """Wording built from the chosen pattern (and optional body and urge words)."""

    def __init__(self, workbook: "Workbook", form: ExerciseForm):
        self.loc = workbook.loc
        self.form = form
        self.activation = form.fields["activation"]
        self.statement = form.fields["statement"]
        style, layout = {"description_width": "initial"}, w.Layout(width="100%", max_width="46rem")
        self.body = w.Text(value="", description=self.loc.text("asb_body_label"), placeholder=self.loc.text("asb_body_placeholder"),
                           style=style, layout=layout)
        self.urge = w.Text(value="", description=self.loc.text("asb_urge_label"), placeholder=self.loc.text("asb_urge_placeholder"),
                           style=style, layout=layout)
        self.preview = w.HTML(value="")
        self.use_button = _button(self.loc.text("asb_use_wording"), "pencil")
        self.message = w.HTML(value="")
        self.last_used = ""
        self.use_button.on_click(lambda _b: self.use())
        _under(self.activation, w.VBox([self.body, self.urge, self.preview, self.use_button, self.message]))
        _watch(self.activation, self.refresh)
        for box in (self.body, self.urge):
            box.observe(lambda _c: self.refresh(), names="value")
        self.widget = w.VBox([])
        self.refresh()

    def suggestion(self) -> str:
        return d.activation_statement(self.activation.get(), body=self.body.value, urge=self.urge.value, loc=self.loc)

    def refresh(self) -> None:
        text = self.suggestion()
        if text:
            self.preview.value = f'<div style="color:{_MUTED}">{esc(self.loc.text("asb_wording_title"))}</div><blockquote style="{_BOX}">{esc(text)}</blockquote>'
        else:
            self.preview.value = f'<div style="color:{_MUTED}">{esc(self.loc.text("asb_wording_pick"))}</div>'
        self.use_button.disabled = not text

    def use(self) -> None:
        text = self.suggestion()
        if not text:
            self.message.value = _message(self.loc.text("asb_wording_pick"))
            return
        current = self.statement.get() or ""
        if current.strip() and current != self.last_used:
            self.message.value = _message(self.loc.text("asb_wording_kept"))
            return
        self.statement.set(text)
        self.last_used = text
        self.message.value = _message(self.loc.text("asb_wording_used", field=self.statement.spec.label))


# ----------------------------------------------------------------- 3. disclosure script

class ScriptPanel:
    """Fill the four parts from an activation-journal entry, then draft the script from them."""

    def __init__(self, workbook: "Workbook", form: ExerciseForm):
        self.loc = workbook.loc
        self.workbook, self.form = workbook, form
        self.journal = workbook.program.find_exercise_with(d.JOURNAL)[1]
        self.entries: dict[str, Any] = {}
        self.picker = w.Dropdown(options=[], value=None, description=self.loc.text("asb_journal_label"),
                                 style={"description_width": "initial"}, layout=w.Layout(width="100%", max_width="46rem"))
        self.fill_button = _button(self.loc.text("asb_fill"), "download")
        self.fill_message = w.HTML(value="")
        self.write_button = _button(self.loc.text("asb_write"), "pencil")
        self.write_message = w.HTML(value="")
        self.last_script = ""
        self.fill_button.on_click(lambda _b: self.fill())
        self.write_button.on_click(lambda _b: self.write())
        _above(form.fields["trigger"], w.VBox([self.picker, self.fill_button, self.fill_message],
                                              layout=w.Layout(margin="0 0 0.6rem 0")))
        _under(form.fields["script"], w.VBox([self.write_button, self.write_message]))
        workbook.on_change(self.refresh)
        self.widget = w.VBox([])
        self.refresh()

    def refresh(self) -> None:
        entries = self.workbook.store.current_entries(self.workbook.client_id, exercise_id=self.journal.id,
                                                      program_id=self.workbook.program.id)
        self.entries = {e.entry_id: e for e in entries}
        keep = self.picker.value if self.picker.value in self.entries else None
        first = self.loc.text("asb_journal_pick") if entries else self.loc.text("asb_journal_none")
        self.picker.options = [(first, None)] + d.journal_choices(entries, loc=self.loc)
        self.picker.value = keep

    def fill(self) -> None:
        entry = self.entries.get(self.picker.value)
        if entry is None:
            self.fill_message.value = _message(self.loc.text("asb_fill_none"))
            return
        filled, kept = [], []
        for part, text in d.script_parts(entry.data, self.journal, loc=self.loc).items():
            field = self.form.fields[part]
            if not text:
                continue
            if _is_empty(field.get()):
                field.set(text)
                filled.append(field.spec.label)
            elif field.get().strip() != text:
                kept.append(field.spec.label)
        when = entry.occurred_at[:10]
        lines = [self.loc.text("asb_filled", when=when, fields=", ".join(filled)) if filled
                 else self.loc.text("asb_filled_nothing", when=when)]
        if kept:
            lines.append(self.loc.text("asb_fill_kept", fields=", ".join(kept)))
        self.fill_message.value = _message(" ".join(lines))

    def write(self) -> None:
        draft = d.build_script({part: self.form.fields[part].get() or "" for part in d.SCRIPT_PARTS}, loc=self.loc)
        if not draft:
            self.write_message.value = _message(self.loc.text("asb_write_empty"))
            return
        script = self.form.fields["script"]
        current = script.get() or ""
        if current.strip() and current != self.last_script:
            self.write_message.value = _message(self.loc.text("asb_write_kept"), quote=draft)
            return
        script.set(draft)
        self.last_script = draft
        self.write_message.value = _message(self.loc.text("asb_written", field=script.spec.label))


# ----------------------------------------------------------------- 4. blame check

class BlameCheckPanel:
    """What the checker spots in the draft, live; tick those signs; a rewording to start from."""

    def __init__(self, workbook: "Workbook", form: ExerciseForm):
        self.loc = workbook.loc
        self.form = form
        self.draft = form.fields["draft"]
        self.signs = form.fields["blame_signs"]
        self.revised = form.fields["revised"]
        self.findings = w.HTML(value="")
        self.tick_button = _button(self.loc.text("asb_tick"), "check-square")
        self.reword_button = _button(self.loc.text("asb_reword"), "pencil")
        self.message = w.HTML(value="")
        self.last_rewording = ""
        self.tick_button.on_click(lambda _b: self.tick())
        self.reword_button.on_click(lambda _b: self.reword())
        _under(self.draft, w.VBox([self.findings, w.HBox([self.tick_button, self.reword_button]), self.message]))
        _watch(self.draft, self.refresh)
        self.widget = w.VBox([])
        self.refresh()

    def found(self) -> list[d.Finding]:
        return d.check_accusations(self.draft.get() or "", loc=self.loc)

    def refresh(self) -> None:
        text = self.draft.get() or ""
        if not text.strip():
            self.findings.value = self.message.value = ""
            return
        findings = self.found()
        note = f'<div style="color:{_MUTED};font-size:0.9em">{esc(self.loc.text("asb_findings_note"))}</div>'
        if not findings:
            self.findings.value = f'<div role="status" style="color:{_NOTE}">{esc(self.loc.text("asb_findings_none"))}</div>{note}'
            return
        items = "".join(
            f'<li><strong>"{esc(f.text)}"</strong> &middot; {esc(self.signs.spec.choice_label(f.kind))}: '
            f"{esc(f.suggestion)}</li>"
            for f in findings
        )
        self.findings.value = (f'<div class="sb-findings" role="status"><div style="color:{_NOTE}">'
                               f'{esc(self.loc.text("asb_findings_title"))}</div><ul>{items}</ul>{note}</div>')

    def tick(self) -> None:
        kinds = d.found_kinds(self.found())
        if not kinds:
            self.message.value = _message(self.loc.text("asb_ticked_none"))
            return
        current = list(self.signs.get())
        self.signs.set(current + [k for k in kinds if k not in current])
        labels = ", ".join(self.signs.spec.choice_label(k) for k in kinds)
        self.message.value = _message(self.loc.text("asb_ticked", labels=labels))

    def reword(self) -> None:
        suggestion = d.suggest_rewording(self.draft.get() or "", loc=self.loc)
        if not suggestion:
            self.message.value = _message(self.loc.text("asb_reword_empty"))
            return
        current = self.revised.get() or ""
        if current.strip() and current != self.last_rewording:
            self.message.value = _message(self.loc.text("asb_reword_kept"), quote=suggestion)
            return
        self.revised.set(suggestion)
        self.last_rewording = suggestion
        self.message.value = _message(self.loc.text("asb_reworded", field=self.revised.spec.label))


# ----------------------------------------------------------------- 5. professional-help screen

class ScreenPanel:
    """What the screening answers suggest: live while answering, and for the latest saved answers."""

    def __init__(self, workbook: "Workbook", form: ExerciseForm):
        self.loc = workbook.loc
        self.form = form
        self.live = w.HTML(value="")
        self.saved = w.HTML(value="")
        for fid in d.SCREEN_QUESTIONS:
            _watch(form.fields[fid], self.refresh_live)
        workbook.on_change(self.refresh_saved)
        self.widget = w.VBox([self.live, self.saved])
        self.refresh_live()
        self.refresh_saved()

    @staticmethod
    def _render(title: str, referral: d.Referral) -> str:
        colour = _ALERT if referral.urgent else _NOTE
        role = "alert" if referral.urgent else "status"
        return (f'<div class="sb-referral" role="{role}" style="{_BOX}"><strong>{esc(title)}</strong>'
                f'<p style="color:{colour};margin:0.3rem 0 0 0">{esc(referral.message)}</p></div>')

    def refresh_live(self) -> None:
        answers = self.form.answers()
        if all(answers.get(fid) is None for fid in d.SCREEN_QUESTIONS):
            self.live.value = ""
            return
        self.live.value = self._render(self.loc.text("asb_screen_live"), d.referral_message(answers, loc=self.loc))

    def refresh_saved(self) -> None:
        entries = self.form.cb.load()  # straight from the store: this may run before the form refreshes
        if not entries:
            self.saved.value = ""
            return
        latest = max(entries, key=lambda e: (e.occurred_at, e.recorded_at))
        when = latest.occurred_at.replace("T", " ")[:16]
        self.saved.value = self._render(self.loc.text("asb_screen_saved", when=when), d.referral_message(latest.data, loc=self.loc))

