"""Couples mode in a workbook (widgets): share one of your entries with your partner, and read
what your partner shared with you. Entries stay private unless shared, and every client text
is escaped (the partner's entries are shown with the same escaped history table as your own).

While the couple is paused (:mod:`securebase.couples.pause`) the couple features give way to a
notice: a neutral one for the partner, and a private one with the crisis resources for the
partner whose entry was flagged (:func:`pause_notice_html`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from securebase.couples.dyads import partner_entries, dyad_of, share_entry, shared_by, unshare_entry
from securebase.couples.pause import PauseState, pause_of
from securebase.core.errors import SecureBaseError
from securebase.core.text import esc
from securebase.ui.forms import ExerciseForm, history_table

if TYPE_CHECKING:  # pragma: no cover
    from securebase.content import Locale
    from securebase.notebook.workbook import Workbook


def pause_notice_html(state: PauseState | None, client_id: str, loc: "Locale") -> str:
    """What stands where the couple features would be while paused ("" when not paused): the same
    neutral sentence for the partner, and for the flagged partner a private note with the resources."""
    if state is None:
        return ""
    if not state.is_flagged(client_id):
        return f"<p role='status' class='sb-couple-paused'>{esc(loc.text('couple_paused'))}</p>"
    from securebase.safety.resources import resources, resources_html

    res = resources(loc.language)
    res = res.model_copy(update={"saved_notice": loc.text("couple_paused_private")})
    return ("<div class='sb-couple-paused' role='note' style='border:2px solid #1a5fb4;border-radius:4px;"
            "padding:0.5rem 0.8rem;margin:0.5rem 0;max-width:46rem'>"
            f"<p><strong>{esc(loc.text('couple_paused_private_title'))}</strong></p>"
            f"{resources_html(res, ('abuse_danger',))}</div>")


def _notice(workbook: "Workbook") -> str:
    return pause_notice_html(pause_of(workbook.store, dyad_of(workbook.store, workbook.client_id)),
                             workbook.client_id, workbook.loc)


class SharePanel:
    """Share or stop sharing the entry picked in a form's history."""

    def __init__(self, workbook: "Workbook", form: ExerciseForm):
        self.workbook, self.form, self.loc = workbook, form, workbook.loc
        self.share_button = w.Button(description=self.loc.text("share_button"), icon="share",
                                     layout=w.Layout(width="auto"))
        self.unshare_button = w.Button(description=self.loc.text("unshare_button"), icon="lock",
                                       layout=w.Layout(width="auto"))
        self.info = w.HTML()
        self.intro = w.HTML(f"<p>{esc(self.loc.text('share_intro'))}</p>")   # hidden while the couple is paused
        self.share_button.on_click(lambda _b: self.decide(True))
        self.unshare_button.on_click(lambda _b: self.decide(False))
        self.widget = w.VBox([
            w.HTML(f"<h4>{esc(self.loc.text('share_title'))}</h4>"), self.intro,
            w.HBox([self.share_button, self.unshare_button]), self.info,
        ])
        workbook.on_change(self.refresh)
        self.refresh()

    def refresh(self, message: str = "") -> None:
        notice = _notice(self.workbook)
        self.share_button.layout.display = "none" if notice else None  # stopping a share stays possible
        self.intro.layout.display = "none" if notice else None         # it says "press Share"
        mine = {e.entry_id for e in self.form.cb.load()}
        count = len(mine & set(shared_by(self.workbook.store, self.workbook.client_id)))
        text = " ".join(t for t in (message, self.loc.text("share_count", count=count)) if t)
        self.info.value = notice + f"<p role='status'>{esc(text)}</p>"

    def decide(self, share: bool) -> None:
        entry = self.form._selected()
        if entry is None:
            self.form._set_status(self.loc.text("edit_none"), "note")
            return
        try:
            (share_entry if share else unshare_entry)(self.workbook.store, self.workbook.client_id, entry.entry_id)
        except SecureBaseError as exc:
            self.info.value = f"<p style='color:#9a2a1f' role='alert'>{esc(exc)}</p>"
            return
        self.refresh(self.loc.text("share_done" if share else "unshare_done"))


class PartnerView:
    """The partner's shared entries of this phase, one escaped history table per exercise."""

    def __init__(self, workbook: "Workbook"):
        self.workbook, self.loc = workbook, workbook.loc
        self.body = w.HTML()
        self.widget = w.VBox([w.HTML(f"<h3>{esc(self.loc.text('partner_title'))}</h3>"), self.body])
        self.refresh()

    def refresh(self) -> None:
        self.body.value = partner_html(self.workbook)


def partner_html(workbook: "Workbook") -> str:
    if dyad_of(workbook.store, workbook.client_id) is None:
        return f"<p><em>{esc(workbook.loc.text('partner_single'))}</em></p>"
    notice = _notice(workbook)
    if notice:
        return notice
    parts = []
    for exercise_id, entries in partner_entries(workbook.store, workbook.client_id, workbook.phase).items():
        if entries:
            exercise = workbook.phase.exercise(exercise_id)
            parts.append(f"<h4>{esc(exercise.title)}</h4>" + history_table(exercise, entries, workbook.loc))
    return "".join(parts) or f"<p><em>{esc(workbook.loc.text('partner_none'))}</em></p>"
