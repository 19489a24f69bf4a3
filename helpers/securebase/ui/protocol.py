"""The couple's protocol in a workbook (widgets): what is in force, every version with each
partner's consent, and buttons to agree to a version or withdraw agreement.

The form above it proposes versions (see :meth:`Workbook.form`); this panel only shows and
decides. Every client text is escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from securebase.couples.dyads import dyad_of
from securebase.couples.pause import pause_of
from securebase.core.errors import SecureBaseError
from securebase.core.text import esc
from securebase.ui.couples import pause_notice_html
from securebase.ui.forms import ExerciseForm, render_value
from securebase.couples.protocol import changed_fields, in_force, set_consent, status_text, versions

if TYPE_CHECKING:  # pragma: no cover
    from securebase.notebook.workbook import Workbook


class ProtocolPanel:
    def __init__(self, workbook: "Workbook", form: ExerciseForm):
        self.workbook, self.form, self.loc = workbook, form, workbook.loc
        for button in (form.delete_button, form.confirm_delete_button):
            button.layout.display = "none"  # versions are never deleted
        form.occurred_at.layout.display = "none"  # a version is dated when it is saved
        self.current = w.HTML()
        self.table = w.HTML()
        self.picker = w.Dropdown(description=self.loc.text("protocol_pick"), options=[],
                                 layout=w.Layout(width="auto"))
        self.agree_button = w.Button(description=self.loc.text("protocol_agree"), button_style="success",
                                     icon="handshake-o", layout=w.Layout(width="auto"))
        self.withdraw_button = w.Button(description=self.loc.text("protocol_withdraw"), icon="undo",
                                        layout=w.Layout(width="auto"))
        self.message = w.HTML()
        self.agree_button.on_click(lambda _b: self.decide(True))
        self.withdraw_button.on_click(lambda _b: self.decide(False))
        self.widget = w.VBox([
            self.current, w.HTML(f"<h4>{esc(self.loc.text('protocol_versions'))}</h4>"), self.table,
            w.HBox([self.picker, self.agree_button, self.withdraw_button]), self.message,
        ])
        self._known = -1
        workbook.on_change(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        store, client_id = self.workbook.store, self.workbook.client_id
        dyad = dyad_of(store, client_id)
        if dyad is None:
            self.current.value = f"<p><em>{esc(self.loc.text('protocol_no_couple'))}</em></p>"
            self.table.value = ""
            self.picker.options = []
            return
        history = versions(store, dyad.dyad_id)
        current = in_force(store, dyad.dyad_id)
        notice = pause_notice_html(pause_of(store, dyad), client_id, self.loc)
        self.agree_button.layout.display = "none" if notice else None  # withdrawing stays possible
        if notice:  # paused: neither the agreed protocol nor the partner's versions are shown
            self.current.value, self.table.value = notice, ""
            self._known = len(history)
            self._pick(history)
            return
        you_are = self.loc.text("protocol_you_are", role=dyad.role_of(client_id), partner=dyad.partner_of(client_id))
        if self._known >= 0 and len(history) > self._known:
            self.message.value = f"<p>{esc(self.loc.text('protocol_saved', version=history[-1].version))}</p>"
        self._known = len(history)
        exercise = self.form.exercise
        if current is None:
            self.current.value = (f"<p>{esc(you_are)}</p>"
                                  f"<p><strong>{esc(self.loc.text('protocol_none_in_force'))}</strong></p>")
        else:
            rows = "".join(
                f"<tr><th style='text-align:left'>{esc(spec.label)}</th><td>{esc(render_value(spec, current.data.get(spec.id)))}</td></tr>"
                for spec in exercise.fields if current.data.get(spec.id) not in (None, "", [])
            )
            self.current.value = (f"<p>{esc(you_are)}</p>"
                                  f"<p><strong>{esc(self.loc.text('protocol_in_force', version=current.version))}"
                                  f"</strong></p><table class='sb-history'>{rows}</table>")
        you = self.workbook.client_id
        body = []
        for i, v in enumerate(history):
            who = "you" if v.proposed_by == you else f"partner {dyad.role_of(v.proposed_by)}"
            marks = " ".join(f"{dyad.role_of(m)}: {'yes' if v.consented(m) else '-'}" for m in dyad.members)
            changed = ", ".join(changed_fields(exercise, history[i - 1].data, v.data)) if i else "first version"
            body.append(f"<tr><td>{v.version}</td><td>{esc(v.proposed_at[:10])}</td><td>{esc(who)}</td>"
                        f"<td>{esc(marks)}</td><td>{esc(status_text(v, dyad, current))}</td><td>{esc(changed)}</td></tr>")
        head = "<tr><th>Version</th><th>Saved</th><th>By</th><th>Agreed</th><th>Status</th><th>What changed</th></tr>"
        self.table.value = f"<table class='sb-history'>{head}{''.join(reversed(body))}</table>" if body else ""
        self._pick(history)

    def _pick(self, history: list) -> None:
        chosen = self.picker.value
        self.picker.options = [(f"Version {v.version}", v.version) for v in reversed(history)]
        numbers = [v.version for v in history]
        self.picker.value = chosen if chosen in numbers else (numbers[-1] if numbers else None)

    def decide(self, consent: bool) -> None:
        version = self.picker.value
        if version is None:
            self.message.value = f"<p>{esc(self.loc.text('protocol_none_in_force'))}</p>"
            return
        try:
            set_consent(self.workbook.store, self.workbook.client_id, version, consent=consent)
        except SecureBaseError as exc:
            self.message.value = f"<p style='color:#9a2a1f' role='alert'>{esc(exc)}</p>"
            return
        self.refresh()
        key = "protocol_agreed" if consent else "protocol_withdrawn"
        self.message.value = f"<p role='status'>{esc(self.loc.text(key, version=version))}</p>"
