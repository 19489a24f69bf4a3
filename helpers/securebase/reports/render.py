"""Reports written to disk: the phase summary as JSON and as a self-contained HTML page.

Templates are rendered by Jinja2 with autoescaping on, so any text that reaches a page is
escaped; reports also carry a Content-Security-Policy that allows one script only: :data:`PRINT_SCRIPT`, the
report's Print button (by its hash, so no other script could run even if text slipped through).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from securebase.reports import plots
from securebase.content import Phase, Program, locale
from securebase.core import config
from securebase.core.config import write_private_file

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("securebase.reports", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# Every report's Print button, and printing at once when opened as ``...#print`` (the page's Print link).
PRINT_SCRIPT = ('document.getElementById("sb-print").addEventListener("click",function(){window.print();});'
                'if(location.hash==="#print"){window.addEventListener("load",function(){window.print();});}')
PRINT_SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(PRINT_SCRIPT.encode()).digest()).decode()
_env.globals.update(print_script=markupsafe.Markup(PRINT_SCRIPT), print_script_hash=PRINT_SCRIPT_HASH)


def render(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


def write_json(path: Path, data: Any) -> Path:
    """``data`` as JSON in ``path``, owner-only and atomically."""
    config.ensure_private_dir(path.parent)
    return write_private_file(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


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
    config.ensure_private_dir(output_dir)
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
    write_private_file(files["html"], html)
    if plot:
        plot.chmod(0o600)
    result = {
        "client_id": client_id,
        "generated_at": generated_at,
        "summary": summary,
        "import": import_report,
        "files": {k: v.name for k, v in files.items()},
    }
    write_json(files["json"], result)
    return files
