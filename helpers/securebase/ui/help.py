"""Where to turn, from every workbook: crisis resources for the person's language, and the
professional-help questions of the Autonomy-Security Balance program as a private self-check.

The self-check is not saved (in the integration phase the same questions can be saved for the
clinician). The questions' wording comes from content; the message from
:func:`securebase.journal.disclosure.referral_message`, so every workbook gives the same answer.
"""

from __future__ import annotations

import html
from typing import Any

from securebase import content
from securebase.journal.disclosure import SCREEN, SCREEN_QUESTIONS, referral_message


def _questions() -> list[Any]:
    exercise = content.exercises_with(SCREEN)[0]  # the first program with a help screen (asb)
    return [exercise.field(q) for q in SCREEN_QUESTIONS]


def help_lines(language: str = "en") -> list[str]:
    from securebase.safety.resources import resources, resources_text

    loc = content.locale(language)
    lines = [loc.text("privacy_note"), *resources_text(resources(language)), "", loc.text("help_check_intro")]
    lines += [f"  - {spec.label}" for spec in _questions()]
    return lines


class HelpScreen:
    def __init__(self, language: str = "en"):
        import ipywidgets as w

        from securebase.safety.resources import resources, resources_html

        self.loc = content.locale(language)
        self.answers = {
            spec.id: w.RadioButtons(options=[("Yes", True), ("No", False)], value=None, description=spec.label,
                                    style={"description_width": "initial"}, layout=w.Layout(width="auto"))
            for spec in _questions()
        }
        self.message = w.HTML()
        for box in self.answers.values():
            box.observe(lambda _c: self.refresh(), names="value")
        body = [w.HTML(resources_html(resources(language))),
                w.HTML(f"<p><strong>{html.escape(self.loc.text('help_check_intro'))}</strong></p>"),
                *self.answers.values(), self.message]
        self.widget = w.Accordion(children=[w.VBox(body, layout=w.Layout(max_width="52rem"))],
                                  titles=(self.loc.text("help_title"),))
        self.refresh()

    def refresh(self) -> None:
        answers = {k: v.value for k, v in self.answers.items()}
        result = referral_message(answers, loc=self.loc)
        colour = "#9a2a1f" if result.urgent else "#3b4a63"
        self.message.value = f'<p role="status" style="color:{colour}">{html.escape(result.message)}</p>'
