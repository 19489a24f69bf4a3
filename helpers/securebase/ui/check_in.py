"""The check-in box under a save: the plain question(s), three buttons (yes / no / I'd rather not
say), and what follows each answer (see :mod:`securebase.safety.check_in`)."""

from __future__ import annotations

import html
from typing import Any, Callable

import ipywidgets as w

from securebase.core.errors import SecureBaseError
from securebase.safety.check_in import ANSWERS, Outcome, questions
from securebase.safety.resources import resources, resources_html
from securebase.ui.styles import shared_layout, shared_style, text

# the frame is on the whole box (question, buttons and reply), so the buttons sit inside it
_BOX = '<div class="sb-check-in" role="group" aria-label="{label}">{body}</div>'
_FRAME = dict(border="2px solid #3b4a63", padding="0.2rem 0.8rem 0.5rem", margin="0.5rem 0", max_width="46rem")


def resources_box_html(categories: tuple[str, ...], loc: Any) -> str:
    """The crisis resources after an answer, escaped. Unlike the box under a flagged save it does not
    say again that the entry is saved, and promises no marker for the clinician (the reply above
    says what happens next: a "yes" flags the entry, "I'd rather not say" does not)."""
    res = resources(loc.language)
    res = res.model_copy(update={"saved_notice": loc.text("check_in_not_watched")})
    return ('<div class="sb-safety" role="alert" style="border:2px solid #9a2a1f;border-radius:4px;'
            'padding:0.5rem 0.8rem;margin:0.5rem 0">'
            f"{resources_html(res, categories)}</div>")


class CheckInBox:
    """Hidden until :meth:`ask`; one answer per check-in, then the buttons go away."""

    def __init__(self, loc: Any, on_answer: Callable[[str, int, str], Outcome] | None):
        self.loc = loc
        self.on_answer = on_answer
        self.question = text()
        self.buttons = {a: w.Button(description=loc.text(f"check_in_{a}"), style=shared_style(w.Button),
                                    layout=shared_layout(width="auto"))
                        for a in ANSWERS}
        for a, button in self.buttons.items():
            button.on_click(lambda _b, a=a: self.reply(a))
        self.row = w.HBox(list(self.buttons.values()))
        self.after = text()
        self.widget = w.VBox([self.question, self.row, self.after], layout=w.Layout(display="none", **_FRAME))
        self._target: tuple[str, int] | None = None
        self._categories: tuple[str, ...] = ()

    def ask(self, entry_id: str, revision: int, categories: tuple[str, ...]) -> None:
        if not categories or self.on_answer is None:
            self.hide()
            return
        self._target, self._categories = (entry_id, revision), categories
        lines = "".join(f"<p><strong>{html.escape(q)}</strong></p>" for q in questions(categories, self.loc))
        body = f"<p>{html.escape(self.loc.text('check_in_intro'))}</p>{lines}"
        self.question.value = _BOX.format(label=html.escape(self.loc.text("check_in_intro")), body=body)
        self.after.value = ""
        self.row.layout.display = None
        self.widget.layout.display = None

    @property
    def answered(self) -> bool:
        """Shown, and the person has answered (only the reply is left on the page)."""
        return self.widget.layout.display != "none" and self._target is None

    def hide(self) -> None:
        self._target = None
        self.widget.layout.display = "none"
        self.question.value = self.after.value = ""

    def reply(self, answer: str) -> None:
        if self._target is None or self.on_answer is None:
            return
        try:
            outcome = self.on_answer(*self._target, answer)
        except SecureBaseError as exc:
            self.after.value = (f'<p role="alert" style="color:#9a2a1f">'
                                f"{html.escape(self.loc.text('check_in_answer_error', message=str(exc)))}</p>")
            return
        self._target = None
        self.row.layout.display = "none"
        note = f'<p role="status">{html.escape(self.loc.text(f"check_in_after_{answer}"))}</p>'
        resources = resources_box_html(outcome.flagged or self._categories, self.loc) if outcome.show_resources else ""
        self.after.value = note + resources
