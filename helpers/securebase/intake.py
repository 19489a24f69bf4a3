"""The intake relationship check: take the test, see the result, share a card, get an action report.

:class:`IntakeWorkbook` serves ``notebooks/intake/relationship_check.ipynb`` in both modes.
Interactively the person answers with one row of buttons per statement and presses *See my
result*; in batch mode the answers come from an answers file::

    administered_at: "2026-03-02 10:00"     # optional
    occasion: intake                         # intake, milestone or follow_up
    responses: {anx_1: 5, anx_2: 3, ...}

Either way :meth:`IntakeWorkbook.submit` scores and stores the answers
(:func:`~securebase.assessments.save_assessment`) and writes three files to the client's folder:

* ``result_card.png``: the two dimensions on a two-axis plot and the pattern's name, with no
  name, code or date on it, so it can be shared;
* ``action_report.html``: the scores and bands, the patterns explained in plain words, and
  where to start (program, phase and exercises), each tied to the result it comes from;
* ``result.json``: the scores with the instrument and scoring versions.

Everything shown is content text and numbers; nothing the person typed is on the card.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from . import config, content, scales
from .assessments import Assessment, save_assessment
from .notebooks import ENGINE_KERNEL, OPENING
from .reports import render, write_json
from .store import Store
from .validation import parse_occurred_at
from .workbook import ParameterError, Text, check_mode_and_client

INSTRUMENT = "relationship_check"
FILES = ("result_card.png", "action_report.html", "result.json")
DISCLAIMER = "A reflective tool, not a diagnosis."


# ---------------------------------------------------------------- the card


def result_card_png(instrument: scales.Instrument, result: dict[str, Any]) -> bytes:
    """The shareable card: the two axes, the person's point, the pattern's name. No identifying data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    axes = instrument.plot
    scores = {k: v["score"] for k, v in result["subscales"].items()}
    lo, hi = instrument.response_scale.min, instrument.response_scale.max
    fig, ax = plt.subplots(figsize=(6, 6.6), dpi=100, layout="constrained")
    if axes is not None:
        cut = axes.cut if axes.cut is not None else (lo + hi) / 2
        ax.axvline(cut, color="#c9d3df", lw=1)
        ax.axhline(cut, color="#c9d3df", lw=1)
        pattern = result["classifications"].get("security_pattern", {})
        names = {r.id: r.label for cl in instrument.classifications if cl.id == "security_pattern" for r in cl.rules}
        corners = {"secure": (lo, lo, "left", "bottom"), "anxious": (lo, hi, "left", "top"),
                   "avoidant": (hi, lo, "right", "bottom"), "fearful": (hi, hi, "right", "top")}
        for rule_id, (x, y, ha, va) in corners.items():
            if rule_id in names:
                mine = pattern.get("rule") == rule_id
                ax.text(x + (0.15 if ha == "left" else -0.15), y + (0.15 if va == "bottom" else -0.15), names[rule_id],
                        ha=ha, va=va, fontsize=9, color="#1d2430" if mine else "#7a8699",
                        weight="bold" if mine else "normal")
        x, y = scores.get(axes.x), scores.get(axes.y)
        if x is not None and y is not None:
            ax.scatter([x], [y], s=160, color="#2f6db5", zorder=3, edgecolor="white", linewidth=2)
        ax.set_xlim(lo - 0.2, hi + 0.2)
        ax.set_ylim(lo - 0.2, hi + 0.2)
        ax.set_xlabel(f"{instrument.subscale(axes.x).label} \u2192")
        ax.set_ylabel(f"{instrument.subscale(axes.y).label} \u2192")
        title = pattern.get("name", "No pattern: too many statements were skipped")
    else:
        title = instrument.title
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, fontsize=15, weight="bold", pad=12)
    fig.supxlabel(f"Secure Base \u00b7 {instrument.title} \u00b7 {DISCLAIMER}", fontsize=8, color="#5a6372")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


# ---------------------------------------------------------------- the report


def report_context(instrument: scales.Instrument, assessment: Assessment, language: str = "en") -> dict[str, Any]:
    """Everything the action report shows: content text and numbers only."""
    result = scales.ScaleResult(
        assessment.instrument_id, assessment.instrument_version, assessment.scoring_version,
        {k: scales.SubscaleScore(**v) for k, v in assessment.result["subscales"].items()},
        assessment.result["classifications"],
    )
    recs = []
    for rec in scales.recommendations(instrument, result):
        program = content.program(rec.program)
        phase = program.phase(rec.phase)
        because = [f"{instrument.subscale(c.subscale).label}: {result.scores[c.subscale]:g}" for c in rec.when]
        recs.append({
            "program": program.title, "phase": phase.title, "why": rec.why, "because": because,
            "exercises": [phase.exercise(e).title for e in rec.exercises],
            "notebook": f"notebooks/{program.id}/{phase.number:02d}_{phase.id}.ipynb",
        })
    return {
        "instrument": instrument, "result": result, "recommendations": recs,
        "administered_on": assessment.administered_at[:10], "disclaimer": DISCLAIMER,
        "privacy_note": content.locale(language).text("privacy_note"),
    }


# ---------------------------------------------------------------- the notebook object


class IntakeWorkbook:
    """The intake notebook's cells: ``intro``, ``questionnaire`` and ``result``."""

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
        self.mode, self.client_id, self.occasion, self.language = mode, client_id, occasion, language
        self.answers_path = answers_path
        self.store = Store(config.resolve_store_path(store_path))
        self.store.ensure_client(client_id)
        self.output_dir = Path(output_dir).expanduser() if output_dir else (
            config.client_dir(client_id) / "reports" / "intake" / instrument_id
        )
        self.latest: Assessment | None = None

    def intro(self) -> Any:
        import html

        from IPython.display import HTML

        i = self.instrument
        return HTML(
            f"<h2>{html.escape(i.title)}</h2><p>{html.escape(i.purpose)}</p>"
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
        out = config.ensure_private_dir(self.output_dir)
        files = dict(zip(("card", "report", "json"), (out / name for name in FILES)))
        files["card"].write_bytes(result_card_png(self.instrument, assessment.result))
        context = report_context(self.instrument, assessment, self.language)
        generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        files["report"].write_text(render("intake_report.html.j2", generated_at=generated, **context), encoding="utf-8")
        write_json(files["json"], {**assessment.result, "administered_at": assessment.administered_at,
                                   "occasion": assessment.occasion})
        for path in files.values():
            path.chmod(0o600)
        return files

    def questionnaire(self) -> Any:
        if self.mode == "batch":
            data = yaml.safe_load(Path(self.answers_path).read_text(encoding="utf-8")) or {}
            if not isinstance(data, dict) or not isinstance(data.get("responses"), dict):
                raise ParameterError(f"{self.answers_path} needs a 'responses:' mapping of item id to answer.")
            self.occasion = data.get("occasion", self.occasion)
            files = self.submit(data["responses"], data.get("administered_at"))
            return Text([f"Answers saved and scored. Files written to {self.output_dir}: "
                         + ", ".join(p.name for p in files.values())])
        from .intake_view import Questionnaire

        return Questionnaire(self).widget

    def help(self) -> Any:
        """Crisis resources and the private more-support check, as in every workbook."""
        from .help_view import HelpScreen, help_lines

        return Text(help_lines(self.language)) if self.mode == "batch" else HelpScreen(self.language).widget

    def result(self) -> Any:
        if self.mode == "interactive":
            return Text(["Your result appears under the statements when you press 'See my result'."])
        if self.latest is None:
            return Text(["No result yet: answer the statements above and press 'See my result'."])
        return Text(result_lines(self.instrument, self.latest))


def result_lines(instrument: scales.Instrument, assessment: Assessment) -> list[str]:
    lines = [f"{instrument.title} ({DISCLAIMER})"]
    for sub in assessment.result["subscales"].values():
        value = f"{sub['score']:g}" if sub["score"] is not None else f"not scored ({sub['note']})"
        lines.append(f"  {sub['label']}: {value}" + (f" - {sub['band']}" if sub.get("band") else ""))
    for cl in assessment.result["classifications"].values():
        lines.append(f"{cl['label']}: {cl['name']}. {cl['text']}")
    return lines


# ---------------------------------------------------------------- the notebook


PARAMETERS = '''\
# Parameters. In batch runs papermill injects new values in a cell below this one.
client_id: str = "demo-001"     # pseudonymous client code such as C-7KQ2M9 (never a name)
store_path: str = ""            # SQLite store file; empty means the default store in the Secure Base data folder
mode: str = "interactive"       # "interactive" shows the statements; "batch" reads answers_path
answers_path: str = ""          # batch: YAML file with responses (see README, intake)
output_dir: str = ""            # folder for the card and the report; empty means the client folder
occasion: str = "intake"        # intake, milestone or follow_up
language: str = "en"            # interface language (a file in content/locales)'''


def build_intake_notebook(instrument: scales.Instrument) -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(f"# {instrument.title}\n\nThe answers are saved in the Secure Base store. {OPENING}"),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(
            "from securebase.intake import IntakeWorkbook\n\n"
            f'iw = IntakeWorkbook("{instrument.id}", client_id=client_id, store_path=store_path, mode=mode,\n'
            "                    answers_path=answers_path, output_dir=output_dir, occasion=occasion, language=language)\n"
            "iw.intro()"
        ),
        new_markdown_cell("### The statements"),
        new_code_cell("iw.questionnaire()"),
        new_markdown_cell("### Your result"),
        new_code_cell("iw.result()"),
        new_markdown_cell("### If you need help"),
        new_code_cell("iw.help()"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": ENGINE_KERNEL, "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"intake-{i:02d}"
    return nb
