"""The notebook-facing API: one object per phase notebook, serving both modes.

A phase notebook reads like a session plan::

    wb = Workbook("sie", "awareness", client_id=client_id, store_path=store_path, mode=mode, ...)
    wb.intro()
    wb.exercise("insecurity_pattern_journal")
    wb.exercise("signal_scan")
    wb.summary()

In **interactive** mode ``exercise`` returns a form and ``summary`` a live summary widget.
In **batch** mode ``exercise`` saves that exercise's answers from the answers file and
``summary`` writes ``summary.json``, ``summary.html`` and a ratings plot to the output
directory. Both modes go through the same validation, store and summary functions, and
batch mode never touches ipywidgets.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from securebase.core import config
from securebase import content
from securebase.journal import summaries
from securebase.notebook.answers import AnswerItem, ImportReport, import_answers, read_answers_file
from securebase.couples.dyads import CoupleError, dyad_of, partner_entries
from securebase.couples.pause import pause_of
from securebase.journal.entries import SaveResult, revise_entry, save_entry
from securebase.couples.protocol import PROTOCOL
from securebase.safety.check_in import answer as answer_check_in
from securebase.safety.check_in import check_ins, questions
from securebase.safety.flags import CATEGORY_LABELS, flag_summary, flags, safety_lines
from securebase.store import EntryRef, Store
from securebase.notebook.parameters import ParameterError, Text, check_mode_and_client, date_parameter
from securebase.notebook.page import Page, client_of_page
from securebase.core import clock

SCREEN = "help_screen"  # the behaviour whose batch output says what the answers suggest


def _categories_of(found: list[Any]) -> tuple[str, ...]:
    """Every category of these flags or check-ins, each once, in the screen's fixed order."""
    seen = {c for f in found for c in f.categories}
    return tuple(c for c in CATEGORY_LABELS if c in seen) + tuple(sorted(seen - set(CATEGORY_LABELS)))


class Workbook(Page):
    warm_modules = (*Page.warm_modules, "securebase.ui.forms", "securebase.ui.panels", "securebase.ui.patterns",
                    "securebase.ui.couples", "securebase.ui.help", "securebase.ui.summary",
                    "securebase.ui.safety_plan", "securebase.journal.schedule", "securebase.journal.disclosure")

    def __init__(
        self,
        program_id: str,
        phase_id: str,
        *,
        client_id: str,
        store_path: str = "",
        mode: str = "interactive",
        answers_path: str = "",
        output_dir: str = "",
        start_date: str = "",
        language: str = "en",
    ):
        self.program = content.program(program_id)   # the content first: a preheated kernel has it read before
        self.phase = self.program.phase(phase_id)     # its page is asked for (check_mode_and_client waits for that)
        self.loc = content.locale(language)
        client_id = check_mode_and_client(mode, client_id)
        start = date_parameter("start_date", start_date)
        if mode == "batch" and answers_path and not Path(answers_path).is_file():
            raise ParameterError(f"answers_path {answers_path!r} does not exist; give the path of an answers file.")
        self.mode = mode
        self.language = language
        self.store = Store(config.resolve_store(store_path))
        self.client = client_of_page(self.store, client_id, f"{program_id}/{phase_id}", program_id=program_id,
                                     start_date=start or clock.today())
        self.client_id = client_id
        self.output_dir = Path(output_dir).expanduser() if output_dir else (
            config.client_dir(client_id) / "reports" / program_id / phase_id
        )
        self.report = ImportReport()
        self._listeners: list[Callable[[], None]] = []
        self.forms: dict[str, Any] = {}  # interactive mode: the latest form of each exercise
        self._pending: dict[str, list[AnswerItem]] = {}
        if mode == "batch" and answers_path:
            for item in read_answers_file(answers_path):
                self._pending.setdefault(item.exercise_id, []).append(item)

    # ------------------------------------------------------------ cells

    @property
    def page_label(self) -> str:  # type: ignore[override]
        return self.phase.title

    def intro(self) -> Any:
        """The phase introduction, rendered from content (escaped); on an app page, after the links to
        the client's other pages."""
        from IPython.display import HTML

        self._show_navigation()
        paragraphs = "".join(f"<p>{html.escape(p.strip())}</p>" for p in self.phase.intro.split("\n\n") if p.strip())
        return HTML(
            f"<h2>{html.escape(self.phase.title)}</h2>"
            f'<p style="color:#3b4a63">Client <strong>{html.escape(self.client_id)}</strong> &middot; '
            f"{html.escape(self.position_text())}</p>"
            f"<p><strong>{html.escape(self.phase.layer)}</strong></p>{paragraphs}"
            f'<p style="color:#5a6372;font-size:0.9em">{html.escape(self.loc.text("privacy_note"))}</p>'
        )

    def position_text(self, today: date | None = None) -> str:
        """Where the client is in the program, and whether this workbook is their current step."""
        from securebase.journal.schedule import current_position

        client = self.store.require_client(self.client_id)
        if client.start_date is None:
            return self.program.title
        position = current_position(self.program, client.start_date, today or clock.today(), client.phase_override)
        text = position.describe(self.program)
        if position.phase.id != self.phase.id:
            text += f". This workbook is {self.phase.title}."
        return text

    def exercise(self, exercise_id: str) -> Any:
        exercise = self.phase.exercise(exercise_id)
        if self.mode == "interactive":
            form = self.form(exercise_id)
            from securebase.ui.panels import panels_for

            panels = panels_for(self, form)  # the ones its behaviours bring (the protocol's among them)
            if not exercise.has(PROTOCOL) and dyad_of(self.store, self.client_id) is not None:
                from securebase.ui.couples import SharePanel

                panels.append(SharePanel(self, form))
            form.extra.children = tuple(p.widget for p in panels if p is not None)
            return form.widget
        items = self._pending.pop(exercise.id, [])
        report = import_answers(self.store, self.client_id, self.program, items, phase=self.phase)
        self.report.merge(report)
        lines = self._report_lines(exercise.title, report)
        screened = set(report.screened)
        flagged = [f for f in flags(self.store, self.client_id) if f.entry_id in screened]
        if flagged:
            lines.append(f"  {len(flagged)} saved entr{'y was' if len(flagged) == 1 else 'ies were'} flagged for the "
                         f"clinician ({'; '.join(f.describe() for f in flagged)}).")
            lines += ["  " + line for line in safety_lines(_categories_of(flagged), self.language)]
        asked = [c for c in check_ins(self.store, self.client_id) if c.entry_id in screened and not c.answered]
        if asked:
            lines.append(f"  {len(asked)} saved entr{'y' if len(asked) == 1 else 'ies'} may be close to risk; the "
                         "workbook could not ask about it here, so the clinician sees an unanswered check-in.")
            lines += ["    " + q for q in questions(_categories_of(asked), self.loc)]
            if not flagged:   # where to turn, with the lines for every concern asked about first
                lines += ["  " + line for line in safety_lines(_categories_of(asked), self.language)]
        if exercise.has(SCREEN) and report.saved:
            from securebase.journal.disclosure import screen_lines

            saved = set(report.saved)
            lines += screen_lines((e for e in self.store.current_entries(self.client_id, exercise_id=exercise.id)
                                   if e.entry_id in saved), loc=self.loc)
        return Text(lines)

    def view(self, name: str) -> Any:
        """An extra view of the phase named in content (``views:``), e.g. the Step 1 pattern view."""
        if name not in self.phase.views:
            raise ParameterError(f"{self.phase.title} has no view {name!r}; it has: {', '.join(self.phase.views) or 'none'}")
        if name == "partner":
            return self._partner_view()
        if self.mode == "interactive":
            from securebase.ui.patterns import PatternView

            return PatternView(self).widget
        found = self._patterns()
        lines = [f"Recurring sequences: {len(found)}"]
        lines += [f"  {' -> '.join(s['sequence'])} ({s['count']}x)" for s in found]
        return Text(lines)

    def _partner_view(self) -> Any:
        if self.mode == "interactive":
            from securebase.ui.couples import PartnerView

            return PartnerView(self).widget
        dyad = dyad_of(self.store, self.client_id)
        if dyad is None:
            return Text([self.loc.text("partner_single")])
        pause = pause_of(self.store, dyad)
        if pause is not None:  # the partner sees a neutral sentence; the flagged partner also the resources
            if not pause.is_flagged(self.client_id):
                return Text([self.loc.text("couple_paused")])
            return Text([self.loc.text("couple_paused_private"), *safety_lines(("abuse_danger",), self.language)[1:]])
        shared = partner_entries(self.store, self.client_id, self.phase)
        lines = [f"Couple {dyad.dyad_id}; you are partner {dyad.role_of(self.client_id)}. "
                 f"Shared with you in this phase: {sum(map(len, shared.values()))} entries."]
        lines += [f"  {self.phase.exercise(ex).title}: {len(entries)}" for ex, entries in shared.items() if entries]
        return Text(lines)

    def _patterns(self) -> list[dict[str, Any]]:
        from securebase.journal.patterns import JOURNAL, recurring_sequences

        exercise = self.phase.exercise_with(JOURNAL)
        entries = self.store.current_entries(self.client_id, exercise_id=exercise.id, program_id=self.program.id)
        return recurring_sequences(exercise, entries)

    def help(self) -> Any:
        """Where to turn: the person's safety plan, crisis resources, and the questions that show whether
        more support would help (see :mod:`securebase.ui.help`)."""
        from securebase.ui.help import HelpScreen, help_lines

        if self.mode == "batch":
            return Text(help_lines(self.language, self.store, self.client_id))
        return HelpScreen(self.language, self.store, self.client_id).widget

    def summary(self) -> Any:
        if self.mode == "batch":
            leftovers = [item for items in self._pending.values() for item in items]
            self._pending.clear()
            if leftovers:
                self.report.merge(import_answers(self.store, self.client_id, self.program, leftovers, phase=self.phase))
        data = self.compute_summary()
        if self.mode == "interactive":
            from securebase.ui.summary import SummaryView

            return SummaryView(self, data).widget
        return Text(self.write_reports(data))

    # ------------------------------------------------------------ shared pieces

    def form(self, exercise_id: str):
        """The widget form for one exercise, wired to this client's store."""
        from securebase.ui.forms import ExerciseForm, FormCallbacks

        program, store, client_id = self.program, self.store, self.client_id
        callbacks = FormCallbacks(
            save=self._notifying(lambda answers, when: save_entry(
                store, client_id, program, exercise_id, answers, occurred_at=when)),
            revise=self._notifying(lambda entry_id, answers, when, rev: revise_entry(
                store, program, entry_id, answers, occurred_at=when, expected_revision=rev)),
            delete=self._notifying(lambda entry_id, rev: store.delete_entry(entry_id, expected_revision=rev)),
            load=lambda: store.current_entries(client_id, exercise_id=exercise_id, program_id=program.id),
            answer_check_in=self._answer_check_in(),
        )
        if self.phase.exercise(exercise_id).has(PROTOCOL):
            callbacks = self._protocol_callbacks()
        form = ExerciseForm(self.phase.exercise(exercise_id), self.loc, callbacks)
        self.forms[exercise_id] = form
        return form

    def _protocol_callbacks(self):
        """The protocol form saves versions of the couple's protocol, not entries: saving and
        editing both propose a new version (with this partner's consent); nothing is deleted."""
        from securebase.ui.forms import FormCallbacks
        from securebase.couples.protocol import save_protocol, visible_entries

        program, store, client_id = self.program, self.store, self.client_id

        def propose(answers: dict[str, Any], *_: Any) -> SaveResult:
            return save_protocol(store, program, client_id, answers)

        def refuse(*_: Any) -> EntryRef:
            raise CoupleError(self.loc.text("protocol_no_delete"))

        return FormCallbacks(
            save=self._notifying(propose),
            revise=self._notifying(lambda entry_id, answers, when, rev: propose(answers)),
            delete=refuse,
            load=lambda: visible_entries(store, client_id),
            answer_check_in=self._answer_check_in(),
        )

    def _answer_check_in(self) -> Callable[[str, int, str], Any]:
        store = self.store
        return self._notifying(lambda screen_id, rev, reply: answer_check_in(store, screen_id, rev, reply))

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after any form of this workbook saves, revises or deletes an entry."""
        self._listeners.append(listener)

    def _notifying(self, action: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            result = action(*args)
            for listener in self._listeners:
                listener()
            return result
        return run

    def compute_summary(self) -> dict[str, Any]:
        from securebase.couples.protocol import visible_entries

        entries = self.store.current_entries(self.client_id, program_id=self.program.id)
        entries += [e for e in visible_entries(self.store, self.client_id) if e.program_id == self.program.id]
        data = summaries.summarise_phase(self.program, self.phase, entries)
        if "patterns" in self.phase.views:
            data["patterns"] = self._patterns()
        data["safety"] = flag_summary(self.store, self.client_id)
        return data

    def write_reports(self, data: dict[str, Any]) -> list[str]:
        from securebase.reports.render import write_phase_report

        files = write_phase_report(
            self.output_dir,
            program=self.program,
            phase=self.phase,
            client_id=self.client_id,
            summary=data,
            import_report={**self.report.as_dict(), "status": "partial" if self.report.rejected else "ok"},
            language=self.language,
        )
        lines = [
            f"{self.phase.title}: {data['total_entries']} entries on {data['days_with_entries']} days.",
        ]
        for block in data["exercises"].values():
            lines.append(f"  {block['title']}: {block['count']}")
        lines.append(f"Report written to {files['html'].parent}")
        return lines

    def _report_lines(self, title: str, report: ImportReport) -> list[str]:
        lines = [f"{title}: " + self.loc.text(
            "batch_saved", saved=len(report.saved), skipped=len(report.already_saved), rejected=len(report.rejected)
        )]
        for item in report.rejected:
            problems = "; ".join(item["problems"].values())
            lines.append("  " + self.loc.text("batch_rejected", index=item["index"], exercise=item["exercise_id"], problems=problems))
        return lines
