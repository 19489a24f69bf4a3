"""The progress report files: ``progress.json``, ``progress.png`` and ``progress.html``."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from securebase import content
from securebase.content import Program
from securebase.core import config
from securebase.progress.compute import REPORT_FILES, headline_lines, phase_rows, position_text, stage_word
from securebase.progress.plots import chart_description, progress_png
from securebase.reports import render as reports


def write_progress_report(output_dir: Path, *, program: Program, progress: dict[str, Any]) -> dict[str, Path]:
    """Write ``progress.json``, ``progress.png`` and ``progress.html`` (escaped, no scripts)."""
    config.ensure_private_dir(output_dir)
    files = dict(zip(("json", "html", "png"), (output_dir / name for name in REPORT_FILES)))
    generated_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    config.write_private_file(files["png"], progress_png(progress, program))
    config.write_private_file(
        files["html"],
        reports.render(
            "progress.html.j2",
            language="en",
            program=program,
            progress=progress,
            generated_at=generated_at,
            position=position_text(program, progress),
            rows=phase_rows(progress),
            headlines=headline_lines(progress),
            phase_titles={p.id: p.title for p in program.phases},
            stage=stage_word(program).capitalize(),
            plot_file=files["png"].name,
            chart_alt=chart_description(progress, program),
            privacy_note=content.locale("en").text("privacy_note"),
            safety=progress.get("safety"),
        ),
    )
    reports.write_json(files["json"], {**progress, "generated_at": generated_at, "files": list(REPORT_FILES)})
    return files
