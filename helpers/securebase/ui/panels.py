"""Panels shown under some forms (widgets), one per behaviour that content gives the exercise
(``behaviours:``), registered here by behaviour name (:data:`PANELS`, :func:`register_panel`):

* ``status_list``: a list exercise (the safety statements) shows its items in use and retired,
  with buttons to retire an item or use it again (each change is a revision);
* ``maintenance_schedule``: the maintenance plan shows the dates it sets, counted from the
  client's start date, and writes them to a calendar file in the client's folder;
* the Autonomy-Security Balance helpers of :mod:`securebase.ui.asb_panels` and the couple's
  protocol panel of :mod:`securebase.ui.protocol`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from securebase.core import config
from securebase.journal import schedule
from securebase.core.errors import SecureBaseError
from securebase.content.behaviours import behaviour
from securebase.core.text import esc
from securebase.ui import asb_panels
from securebase.ui.forms import ExerciseForm
from securebase.ui.protocol import ProtocolPanel

if TYPE_CHECKING:  # pragma: no cover
    from securebase.notebook.workbook import Workbook

PLAN_DATES_SHOWN = 12

# behaviour name -> the panel (called with the workbook and the form) shown under its exercises' forms
PANELS: dict[str, Callable[["Workbook", ExerciseForm], Any]] = {}


def register_panel(name: str, panel: Callable[["Workbook", ExerciseForm], Any]) -> None:
    """Show ``panel(workbook, form)`` under the form of every exercise that declares behaviour ``name``."""
    behaviour(name)  # an unknown name is refused
    if name in PANELS:
        raise ValueError(f"a panel for behaviour {name!r} is registered already")
    PANELS[name] = panel


def panels_for(workbook: "Workbook", form: ExerciseForm) -> list[Any]:
    """The panels of the form's exercise, in the order its behaviours are declared."""
    return [PANELS[name](workbook, form) for name in form.exercise.behaviours if name in PANELS]


def panel_for(workbook: "Workbook", form: ExerciseForm) -> Any:
    """The first of :func:`panels_for`, or ``None``."""
    return next(iter(panels_for(workbook, form)), None)


class ListPanel:
    def __init__(self, workbook: "Workbook", form: ExerciseForm):
        self.workbook, self.form, self.loc = workbook, form, workbook.loc
        self.text_field = next(f.id for f in form.exercise.fields if f.type.is_free_text)
        self.lists = w.HTML()
        self.retire_button = w.Button(description=self.loc.text("list_retire"), icon="archive",
                                      layout=w.Layout(width="auto"))
        self.reuse_button = w.Button(description=self.loc.text("list_reuse"), icon="undo",
                                     layout=w.Layout(width="auto"))
        self.retire_button.on_click(lambda _b: self._set_status("retired"))
        self.reuse_button.on_click(lambda _b: self._set_status("active"))
        self.widget = w.VBox([self.lists, w.HBox([self.retire_button, self.reuse_button])])
        workbook.on_change(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        groups: dict[str, list[str]] = {"active": [], "retired": []}
        for entry in self.form.cb.load():  # straight from the store: this may run before the form refreshes
            groups.setdefault(entry.data.get("status", "active"), []).append(entry.data.get(self.text_field, ""))
        parts = []
        for status in ("active", "retired"):
            items = "".join(f"<li>{esc(text)}</li>" for text in groups[status]) or f"<li><em>{esc(self.loc.text('list_empty'))}</em></li>"
            parts.append(f"<p><strong>{esc(self.loc.text('list_' + status))}</strong></p><ul>{items}</ul>")
        self.lists.value = "".join(parts)

    def _set_status(self, status: str) -> None:
        entry = self.form._selected()
        if entry is None:
            self.form._set_status(self.loc.text("edit_none"), "note")
            return
        try:
            self.form.cb.revise(entry.entry_id, {**entry.data, "status": status}, entry.occurred_at, entry.revision)
        except SecureBaseError as exc:
            self.form._set_status(self.loc.text("store_error", message=str(exc)), "error")
            return
        self.form.refresh()
        self.refresh()
        label = self.form.exercise.field("status").choice_label(status)
        self.form._set_status(self.loc.text("list_changed", status=label), "info")


class PlanPanel:
    def __init__(self, workbook: "Workbook", form: ExerciseForm):
        self.workbook, self.form, self.loc = workbook, form, workbook.loc
        self.dates = w.HTML()
        self.widget = w.VBox([w.HTML(f"<h4>{esc(self.loc.text('plan_title'))}</h4>"), self.dates])
        workbook.on_change(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        plans = self.form.cb.load()  # oldest first; the latest plan counts
        plan = plans[-1] if plans else None
        start = self.workbook.client.start_date
        if plan is None or start is None:
            self.dates.value = f"<p>{esc(self.loc.text('plan_empty'))}</p>"
            return
        events = schedule.maintenance_events(plan.data, program_start=start)
        ics = config.ensure_private_dir(config.client_dir(self.workbook.client_id)) / "maintenance.ics"
        config.write_private_file(ics, schedule.to_ics(events))
        rows = "".join(
            f"<tr><td>{e.when:%a %d %b %Y}</td><td>{esc(e.label)}</td></tr>" for e in events[:PLAN_DATES_SHOWN]
        )
        self.dates.value = (
            f"<p>{esc(self.loc.text('plan_next', count=min(PLAN_DATES_SHOWN, len(events))))}</p>"
            f'<table class="sb-history">{rows}</table>'
            f'<p style="color:#5a6372">{esc(self.loc.text("plan_calendar", path=ics))}</p>'
        )


register_panel("status_list", ListPanel)
register_panel("maintenance_schedule", PlanPanel)
register_panel("trigger_nudge", asb_panels.TriggerNudgePanel)
register_panel("activation_wording", asb_panels.NamingPanel)
register_panel("script_from_journal", asb_panels.ScriptPanel)
register_panel("blame_check", asb_panels.BlameCheckPanel)
register_panel("help_screen", asb_panels.ScreenPanel)
register_panel("couple_protocol", ProtocolPanel)
