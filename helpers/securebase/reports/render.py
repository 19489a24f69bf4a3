"""Reports written to disk: the phase summary as JSON and as a self-contained HTML page.

Templates are rendered by Jinja2 with autoescaping on, so any text that reaches a page is
escaped; reports also carry a Content-Security-Policy that forbids scripts.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2

from securebase.reports import plots
from securebase.content import Phase, Program, locale

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("securebase.reports", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a file
    return path


def write_phase_report(
    output_dir: Path,
    *,
    program: Program,
    phase: Phase,
    client_id: str,
    summary: dict[str, Any],
    import_report: dict[str, Any] | None = None,
    language: str = "en",
    top_n: int = 5,
) -> dict[str, Path]:
    """Write ``summary.json``, ``ratings.png`` (when there are ratings) and ``summary.html``."""
    output_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    generated_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    plot = plots.ratings_over_days(summary, output_dir / "ratings.png", title=f"{phase.title}: ratings by day")
    files = {"json": output_dir / "summary.json", "html": output_dir / "summary.html"}
    if plot:
        files["plot"] = plot
    html = render(
        "phase_summary.html.j2",
        language=language,
        program=program,
        phase=phase,
        client_id=client_id,
        generated_at=generated_at,
        summary=summary,
        plot_file=plot.name if plot else None,
        import_report=import_report,
        privacy_note=locale(language).text("privacy_note"),
        top_n=top_n,
        safety=summary.get("safety"),
    )
    files["html"].write_text(html, encoding="utf-8")
    result = {
        "client_id": client_id,
        "generated_at": generated_at,
        "summary": summary,
        "import": import_report,
        "files": {k: v.name for k, v in files.items()},
    }
    write_json(files["json"], result)
    return files
