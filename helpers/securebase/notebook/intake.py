"""The intake relationship check: take the test, see the result, share a card, get an action report.

:class:`IntakeWorkbook` serves ``notebooks/intake/relationship_check.ipynb`` in both modes.
Interactively the person answers with one row of buttons per statement and presses *See my
result*; in batch mode the answers come from an answers file::

    administered_at: "2026-03-02 10:00"     # optional
    occasion: intake                         # intake, milestone or follow_up
    responses: {anx_1: 5, anx_2: 3, ...}

Either way :meth:`IntakeWorkbook.submit` scores and stores the answers
(:func:`~securebase.intake.assessments.save_assessment`) and writes three files to a folder of its own
under the client's folder (``<date>-<occasion>-<id>``), so every check's files are kept:

* ``result_card.png``: the two dimensions on a two-axis plot and the pattern's name, with no
  name, code or date on it, so it can be shared;
* ``action_report.html``: the scores and bands, the patterns explained in plain words, and
  where to start (program, phase and exercises), each tied to the result it comes from;
* ``result.json``: the scores with the instrument and scoring versions.

Everything shown is content text and numbers; nothing the person typed is on the card.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from securebase import content
from securebase.content import scales
from securebase.core import config
from securebase.core.inputfiles import load_document
from securebase.intake.assessments import OCCASION_LABELS, OCCASIONS, Assessment, get_assessments, save_assessment
from securebase.intake.results import DISCLAIMER, FILES, INSTRUMENT, report_context, result_card_png, result_lines
from securebase.journal.validation import parse_occurred_at
from securebase.notebook.answers import MAX_BYTES
from securebase.notebook.parameters import ParameterError, Text, check_mode_and_client
from securebase.notebook.page import Page, client_of_page
from securebase.reports.render import render, write_json

from securebase.store import Store

FILE_KEYS = ("card", "report", "json")   # the keys of FILES, in order


class IntakeWorkbook(Page):
    """The intake notebook's cells: ``intro``, ``questionnaire`` and ``result``."""

    warm_modules = (*Page.warm_modules, "securebase.ui.intake", "securebase.ui.help")

    def __init__(
        self,
        instrument_id: str = INSTRUMENT,
        *,
        client_id: str,
        store_path: str = "",
        mode: str = "interactive",
        answers_path: str = "",
        output_dir: str = "",
        occasion: str = "intake",
        language: str = "en",
    ):
        client_id = check_mode_and_client(mode, client_id)
        try:
            self.instrument = scales.instrument(instrument_id)
        except KeyError as exc:
            raise ParameterError(str(exc.args[0])) from None
        if mode == "batch" and not Path(answers_path).is_file():
            raise ParameterError(f"answers_path {answers_path!r} does not exist; batch mode needs the answers file.")
        if occasion not in OCCASIONS:
            raise ParameterError(f"occasion {occasion!r} is not one of: {', '.join(OCCASIONS)}. Use intake for the "
                                 "first check, milestone during the program, follow_up after it.")
        self.mode, self.client_id, self.occasion, self.language = mode, client_id, occasion, language
        self.answers_path = answers_path
        self.store = Store(config.resolve_store(store_path))
        client_of_page(self.store, client_id, f"intake/{instrument_id}")
        if mode == "interactive" and occasion == "intake" and get_assessments(self.store, client_id, instrument_id):
            self.occasion = "milestone"   # a second check is not an intake; the page lets the person change it
        self.output_dir = Path(output_dir).expanduser() if output_dir else (
            config.client_dir(client_id) / "reports" / "intake" / instrument_id
        )
        self.latest: Assessment | None = None
        self.files: dict[str, Path] = {}

    page_label = "Relationship check"

    def check_folder(self, assessment: Assessment) -> Path:
        """Where one check's files go: its own folder, named by its date, occasion and id."""
        return self.output_dir / f"{assessment.administered_at[:10]}-{assessment.occasion}-{assessment.assessment_id[:8]}"

    def earlier_checks(self) -> list[tuple[Assessment, dict[str, Path]]]:
        """This client's checks with this instrument whose files are on disk, newest first."""
        found = []
        for assessment in reversed(get_assessments(self.store, self.client_id, self.instrument.id)):
            folder = self.check_folder(assessment)
            files = dict(zip(FILE_KEYS, (folder / name for name in FILES)))
            if files["report"].is_file():
                found.append((assessment, files))
        return found

    def occasion_label(self, occasion: str | None = None) -> str:
        occasion = occasion or self.occasion
        return OCCASION_LABELS.get(occasion, occasion)

    def intro(self) -> Any:
        import html

        from IPython.display import HTML

        self._show_navigation()
        i = self.instrument
        return HTML(
            f"<h2>{html.escape(i.title)}</h2>"
            f'<p class="sb-occasion">For client {html.escape(self.client_id)}. Choose the occasion above the '
            f"statements.</p><p>{html.escape(i.purpose)}</p>"
            f"<p><strong>{html.escape(DISCLAIMER)}</strong> {html.escape(i.instructions)}</p>"
            f'<p style="color:#5a6372;font-size:0.9em">{html.escape(content.locale(self.language).text("privacy_note"))}</p>'
        )

    def submit(self, responses: dict[str, Any], administered_at: Any = None) -> dict[str, Path]:
        """Score, store and write the card, the report and the JSON; returns the files."""
        when = parse_occurred_at(administered_at)
        self.latest = save_assessment(self.store, self.client_id, self.instrument, responses,
                                      occasion=self.occasion, administered_at=when)
        return self.write_files(self.latest)

    def write_files(self, assessment: Assessment) -> dict[str, Path]:
        config.ensure_private_dir(self.output_dir)
        out = config.ensure_private_dir(self.check_folder(assessment))
        files = dict(zip(FILE_KEYS, (out / name for name in FILES)))
        config.write_private_file(files["card"], result_card_png(self.instrument, assessment.result))
        context = report_context(self.instrument, assessment, self.language)
        generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        config.write_private_file(files["report"], render("intake_report.html.j2", generated_at=generated, **context))
        write_json(files["json"], {**assessment.result, "administered_at": assessment.administered_at,
                                   "occasion": assessment.occasion})
        self.files = files
        return files

    def questionnaire(self) -> Any:
        if self.mode == "batch":
            data = load_document(self.answers_path, limit=MAX_BYTES, what=f"The answers file {self.answers_path}",
                                 hint="Check the answers_path parameter.") or {}
            if not isinstance(data, dict) or not isinstance(data.get("responses"), dict):
                raise ParameterError(f"{self.answers_path} needs a 'responses:' mapping of item id to answer.")
            self.occasion = data.get("occasion", self.occasion)
            files = self.submit(data["responses"], data.get("administered_at"))
            return Text([f"Answers saved and scored. Files written to {files['report'].parent}: "
                         + ", ".join(p.name for p in files.values())])
        from securebase.ui.intake import Questionnaire

        return Questionnaire(self).widget

    def help(self) -> Any:
        """The safety plan, crisis resources and the private more-support check, as in every workbook."""
        from securebase.ui.help import HelpScreen, help_lines

        if self.mode == "batch":
            return Text(help_lines(self.language, self.store, self.client_id))
        return HelpScreen(self.language, self.store, self.client_id).widget

    def result(self) -> Any:
        if self.mode == "interactive":
            return Text(["Your result appears under the statements when you press 'See my result'."])
        if self.latest is None:
            return Text(["No result yet: answer the statements above and press 'See my result'."])
        return Text(result_lines(self.instrument, self.latest))
