"""Where to turn, from every workbook: the person's own safety plan, crisis resources for the
person's language, and the professional-help questions of the Autonomy-Security Balance program
as a private self-check.

The section is for everyone, at any time, so it says what it is for (the resources' ``help_intro``)
and never the text meant for a flagged save ("some of what you wrote suggests..."), which only the
box under a flagged save shows (:func:`securebase.safety.flags.safety_box_html`). Once the person
has written a safety plan it comes first, before the resources; without one, the section invites
them to write one after the resources (see :mod:`securebase.ui.safety_plan`). With no store and
client (a workbook without a client), there is no plan part.

The self-check is not saved (in the integration phase the same questions can be saved for the
clinician). The questions' wording comes from content; the message from
:func:`securebase.journal.disclosure.referral_message`, so every workbook gives the same answer.
"""

from __future__ import annotations

import html
from typing import Any

from securebase import content
from securebase.journal.disclosure import SCREEN, SCREEN_QUESTIONS, referral_message
from securebase.store import Store


def _questions() -> list[Any]:
    exercise = content.exercises_with(SCREEN)[0]  # the first program with a help screen (asb)
    return [exercise.field(q) for q in SCREEN_QUESTIONS]


def help_lines(language: str = "en", store: Store | None = None, client_id: str = "") -> list[str]:
    """The help section as plain lines (batch mode): the plan first when there is one."""
    from securebase.journal.safety_plan import current_plan, plan_lines
    from securebase.safety.resources import resources, resources_text

    loc = content.locale(language)
    plan = plan_lines(current_plan(store, client_id), language) if store is not None and client_id else []
    lines = [*plan, *([""] if plan else []), loc.text("privacy_note"),
             *resources_text(resources(language), after_save=False), "", loc.text("help_check_intro")]
    lines += [f"  - {spec.label}" for spec in _questions()]
    return lines


# a long question must wrap, not be cut at the edge (widget labels are one line by default)
_WRAP_CSS = ("<style>.sb-help .widget-radio > .widget-label{white-space:normal;overflow:visible;"
             "text-overflow:clip;height:auto;line-height:1.3;max-width:50rem}</style>")


class HelpScreen:
    def __init__(self, language: str = "en", store: Store | None = None, client_id: str = ""):
        import ipywidgets as w

        from securebase.safety.resources import resources, resources_html
        from securebase.ui.safety_plan import SafetyPlanView

        self.loc = content.locale(language)
        self.plan = (SafetyPlanView(store, client_id, self.loc, on_change=self._arrange)
                     if store is not None and client_id else None)
        self.resources = w.HTML(resources_html(resources(language), after_save=False))
        self.answers = {
            spec.id: w.RadioButtons(options=[("Yes", True), ("No", False)], value=None, description=spec.label,
                                    style={"description_width": "initial"}, layout=w.Layout(width="auto"))
            for spec in _questions()
        }
        self.message = w.HTML()
        for box in self.answers.values():
            box.observe(lambda _c: self.refresh(), names="value")
        self.check = [w.HTML(_WRAP_CSS + f"<p><strong>{html.escape(self.loc.text('help_check_intro'))}</strong></p>"),
                      *self.answers.values(), self.message]
        self.body = w.VBox([], layout=w.Layout(max_width="52rem"))
        self.body.add_class("sb-help")
        self._arrange()
        self.widget = w.Accordion(children=[self.body], titles=(self.loc.text("help_title"),))
        self.refresh()

    def _arrange(self) -> None:
        """The plan first once it exists; before that, the resources first and the invitation after."""
        if self.plan is None:
            parts = [self.resources]
        elif self.plan.exists:
            parts = [self.plan.widget, self.resources]
        else:
            parts = [self.resources, self.plan.widget]
        self.body.children = (*parts, *self.check)

    def refresh(self) -> None:
        answers = {k: v.value for k, v in self.answers.items()}
        result = referral_message(answers, loc=self.loc)
        colour = "#9a2a1f" if result.urgent else "#3b4a63"
        self.message.value = f'<p role="status" style="color:{colour}">{html.escape(result.message)}</p>'
