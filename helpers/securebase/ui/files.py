"""Links to the files a page has just written (handouts, action reports, result cards, progress
reports): open, download and print, from the page itself.

The servers (app and JupyterLab) serve a client's report files behind their login
(:mod:`securebase.app.files`); a file they do not serve (one written to an ``output_dir`` outside
the data folder, say) is named by its path instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from securebase.core.config import data_dir
from securebase.core.layout import file_url
from securebase.core.text import esc

OPENS_IN_BROWSER = {".html", ".pdf", ".png"}
PRINTABLE = {".html"}      # the report's own Print button; "#print" prints it as soon as it opens
KIND = {".html": "page", ".pdf": "PDF", ".png": "picture", ".ics": "calendar file", ".json": "data file",
        ".csv": "table"}


def file_links(files: Iterable[tuple[str, Path]]) -> str:
    """HTML listing ``(label, path)`` pairs, each with Open, Download and Print links as its kind allows."""
    rows = []
    for label, path in files:
        path = Path(path)
        suffix = path.suffix.lower()
        url = file_url(path, data_dir() / "clients")
        kind = KIND.get(suffix, "file")
        if url is None:
            rows.append(f"<li><span class='sb-file-label'>{esc(label)}</span> "
                        f"<span class='sb-file-path'>{esc(str(path))}</span></li>")
            continue
        name = esc(f"{label}, {kind}")
        actions = []
        if suffix in OPENS_IN_BROWSER:
            actions.append(f"<a href='{esc(url)}' target='_blank' rel='noopener' aria-label='Open {name}'>Open</a>")
        actions.append(f"<a href='{esc(url)}?download=1' download='{esc(path.name)}' "
                       f"aria-label='Download {name}'>Download</a>")
        if suffix in PRINTABLE:
            actions.append(f"<a href='{esc(url)}#print' target='_blank' rel='noopener' "
                           f"aria-label='Print {name}'>Print</a>")
        rows.append(f"<li><span class='sb-file-label'>{esc(label)}</span> "
                    f"<span class='sb-file-kind'>({esc(kind)})</span> "
                    f"<span class='sb-file-actions'>{' '.join(actions)}</span></li>")
    return f"<ul class='sb-files'>{''.join(rows)}</ul>" if rows else ""
