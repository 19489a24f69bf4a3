"""The personal safety plan in the help section (widgets): the plan as written, or an invitation
to write one, and an editor to write or revise it.

The editor is made of the same field inputs as every workbook form
(:class:`securebase.ui.forms.FieldInput`, one list of short texts per part, each part's prompt
under it), and saves through :func:`securebase.journal.safety_plan.save_plan`: checked like any
entry, revised like any entry, and never screened for safety flags (a plan names risks on
purpose). The plan's text reaches the page only after :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from securebase.content import Locale
from securebase.core.errors import EntryValidationError, SecureBaseError
from securebase.core.text import esc
from securebase.journal.safety_plan import NOTHING, current_plan, plan_sections, save_plan
from securebase.safety.plan import plan_content
from securebase.store import Entry, Store
from securebase.ui.forms import FieldInput


def plan_html(entry: Entry | None, language: str = "en") -> str:
    """The written plan as an HTML fragment (every text escaped), or ``""`` when there is none."""
    sections = plan_sections(entry, language)
    if entry is None or not sections:
        return ""
    plan = plan_content(language)
    parts = [
        '<div class="sb-safety-plan" style="border-left:4px solid #6b8fbf;padding:0.2rem 0.8rem;margin:0.4rem 0">',
        f"<h4 style=\"margin:0.3rem 0\">{esc(plan.title)}</h4>",
        f'<p style="color:#5a6372;font-size:0.9em">{esc(plan.last_changed.format(when=entry.occurred_at[:10]))}</p>',
    ]
    for s in sections:
        parts.append(f'<p style="margin:0.5rem 0 0.1rem"><strong>{esc(s.title)}</strong></p>')
        parts.append('<ul style="margin:0.1rem 0">' + "".join(
            f'<li style="overflow-wrap:anywhere">{esc(item)}</li>' for item in s.items) + "</ul>")
    parts.append("</div>")
    return "".join(parts)


class SafetyPlanView:
    """The plan (or an invitation), a Write/Revise button, and the editor, made and shown only when asked for.

    ``on_change`` is called after a save, so that the help section can put the plan first.
    """

    def __init__(self, store: Store, client_id: str, loc: Locale, *, on_change: Callable[[], None] | None = None):
        self.store, self.client_id, self.loc = store, client_id, loc
        self.plan = plan_content(loc.language)
        self.on_change = on_change
        self.entry: Entry | None = None
        self.editing_revision: int | None = None
        self.shown = w.HTML()
        # one Layout each: hiding the Write button while editing must not hide Save and Cancel too
        self.open_button = w.Button(description=self.plan.write_button, icon="pencil",
                                    layout=w.Layout(width="auto", align_self="flex-start"))
        self.status = w.HTML()
        self.open_button.on_click(lambda _b: self.edit())
        self.widget = w.VBox([self.shown, self.open_button, self.status])
        self._editor: dict[str, Any] | None = None   # built when first opened: most page views never open it
        self.refresh()

    def _built(self) -> dict[str, Any]:
        """The editor's widgets (its fields, Save and Cancel), made and put on the page the first time."""
        if self._editor is None:
            fields = {spec.id: FieldInput(spec, self.loc) for spec in self.plan.exercise().fields}
            save = w.Button(description=self.plan.save_button, button_style="primary", icon="check",
                            layout=w.Layout(width="auto"))
            cancel = w.Button(description=self.plan.cancel_button, layout=w.Layout(width="auto"))
            save.on_click(lambda _b: self.save())
            cancel.on_click(lambda _b: self.close())
            editor = w.VBox(
                [w.HTML(f'<p>{esc(self.plan.intro)}</p><p style="color:#5a6372;font-size:0.9em">{esc(self.plan.private_note)}</p>'),
                 *(f.widget for f in fields.values()), w.HBox([save, cancel])],
                layout=w.Layout(display="none"),
            )
            editor.add_class("sb-form")
            self._editor = {"fields": fields, "save": save, "cancel": cancel, "box": editor}
            self.widget.children = (*self.widget.children, editor)
        return self._editor

    @property
    def fields(self) -> dict[str, FieldInput]:
        return self._built()["fields"]

    @property
    def editor(self) -> w.VBox:
        return self._built()["box"]

    @property
    def save_button(self) -> w.Button:
        return self._built()["save"]

    @property
    def cancel_button(self) -> w.Button:
        return self._built()["cancel"]

    @property
    def exists(self) -> bool:
        return bool(plan_sections(self.entry, self.loc.language))

    def refresh(self) -> None:
        self.entry = current_plan(self.store, self.client_id)
        if self.exists:
            self.shown.value = plan_html(self.entry, self.loc.language)
            self.open_button.description = self.plan.revise_button
        else:
            self.shown.value = (f'<h4 style="margin:0.3rem 0">{esc(self.plan.title)}</h4>'
                                f'<p class="sb-safety-plan-invite">{esc(self.plan.invitation)}</p>')
            self.open_button.description = self.plan.write_button

    def edit(self) -> None:
        """Open the editor, filled with the plan as it is now (empty for a first plan)."""
        self.refresh()
        data = self.entry.data if self.entry is not None else {}
        for fid, f in self.fields.items():
            f.set(data.get(fid))
            f.show_error("")
        self.editing_revision = self.entry.revision if self.entry is not None else None
        self._status("")
        self.editor.layout.display = None
        self.open_button.layout.display = "none"

    def close(self) -> None:
        if self._editor is not None:
            self.editor.layout.display = "none"
        self.open_button.layout.display = None
        self.editing_revision = None

    def answers(self) -> dict[str, list[str]]:
        return {fid: f.get() for fid, f in self.fields.items()}

    def save(self) -> None:
        first = self.entry is None
        try:
            save_plan(self.store, self.client_id, self.answers(), language=self.loc.language,
                      expected_revision=self.editing_revision)
        except EntryValidationError as exc:
            for fid, f in self.fields.items():
                f.show_error(exc.problems.get(fid, ""))
            message = exc.problems.get(NOTHING) or self.loc.text("not_saved", count=len(exc.problems))
            self._status(message, error=True)
            return
        except SecureBaseError as exc:
            self._status(self.loc.text("store_error", message=str(exc)), error=True)
            return
        self.close()
        self.refresh()
        self._status(self.plan.saved if first else self.plan.revised)
        if self.on_change is not None:
            self.on_change()

    def _status(self, message: str, *, error: bool = False) -> None:
        if not message:
            self.status.value = ""
            return
        colour, role = ("#9a2a1f", "alert") if error else ("#1d5a2e", "status")
        self.status.value = f'<div role="{role}" style="color:{colour}">{esc(message)}</div>'
