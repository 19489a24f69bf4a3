"""The clinician's workspace: working copies of the workbooks in the data directory.

JupyterLab is opened on the workspace, not on the repository, so a notebook saved with a
client's answers or outputs lands in the data directory and never in git. Copies are kept
in step with the templates: an untouched copy is refreshed when its template changes, a
copy whose code someone edited is left alone (and reported).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from securebase.app.serverconf import LOOPBACK, check_ip, lab_config, display_host, run_dir, write_private
from securebase.core.config import ensure_private_dir, write_private_file

MANIFEST = ".securebase-workspace.json"


def sources_hash(nb: nbformat.NotebookNode) -> str:
    """A hash of what a template decides: the cells' types, sources and tags, and the notebook's title
    (the app shows it). Running a notebook does not change it."""
    digest = hashlib.sha256(b"v2\0" + str(nb.metadata.get("title", "")).encode("utf-8") + b"\0")
    for cell in nb.cells:
        tags = ",".join(cell.get("metadata", {}).get("tags", []))
        digest.update(cell.cell_type.encode() + b"\0" + cell.source.encode("utf-8") + b"\0" + tags.encode() + b"\0")
    return "v2:" + digest.hexdigest()


def _untouched(copy: nbformat.NotebookNode, recorded: str | None) -> bool:
    """Whether a working copy is as it was last written from its template (``recorded``: the hash then).
    Manifests from before version 2 of the hash recorded one of cell types and sources only."""
    if recorded is None:
        return False
    if recorded.startswith("v2:"):
        return sources_hash(copy) == recorded
    digest = hashlib.sha256()
    for cell in copy.cells:
        digest.update(cell.cell_type.encode() + b"\0" + cell.source.encode("utf-8") + b"\0")
    return digest.hexdigest() == recorded


def clean_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb


@dataclass
class SyncReport:
    workspace: Path
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Workbooks folder: {self.workspace}"]
        out += [f"  new:     {name}" for name in self.created]
        out += [f"  updated: {name}" for name in self.updated]
        out += [f"  kept your edited copy of {name} (a newer template exists in the repository)" for name in self.kept_edited]
        return out


def sync_workspace(templates: Path, workspace: Path) -> SyncReport:
    ensure_private_dir(workspace)
    manifest_path = workspace / MANIFEST
    manifest: dict[str, str] = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    report = SyncReport(workspace)
    for template_path in sorted(templates.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in template_path.parts:
            continue
        rel = template_path.relative_to(templates).as_posix()
        template = nbformat.read(template_path, as_version=4)
        template_hash = sources_hash(template)
        dest = workspace / rel
        if dest.exists():
            copy = nbformat.read(dest, as_version=4)
            if sources_hash(copy) == template_hash:
                report.unchanged.append(rel)
                manifest[rel] = template_hash
                continue
            if not _untouched(copy, manifest.get(rel)):
                report.kept_edited.append(rel)
                continue
            report.updated.append(rel)
        else:
            report.created.append(rel)
        ensure_private_dir(dest.parent)
        nbformat.write(clean_copy(template), dest)
        manifest[rel] = template_hash
    write_private_file(manifest_path, json.dumps(manifest, indent=1, sort_keys=True))
    return report


def lab_command(workspace: Path, *, port: int, config_file: Path, open_browser: bool, ip: str = LOOPBACK) -> list[str]:
    """JupyterLab's command line: nothing secret on it (the token is in ``config_file``, see
    :mod:`securebase.app.serverconf`)."""
    from securebase.core.kernel_transport import SERVER_ARGUMENTS

    command = [
        sys.executable, "-m", "jupyterlab",
        f"--config={config_file}",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={workspace}",
        "--MappingKernelManager.cull_idle_timeout=3600",
        "--MappingKernelManager.cull_interval=300",
        *SERVER_ARGUMENTS,  # kernels on IPC sockets in a private folder: no port race with other kernels
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # only when really root, so ordinary users keep the safer default
    return command


# Clinic machines should not phone home or distract a session with pop-ups.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"},
}


def ensure_lab_settings(prefix: Path) -> Path:
    """Write JupyterLab setting overrides into this environment (kept if already there)."""
    path = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    current = json.loads(path.read_text()) if path.exists() else {}
    merged = {**LAB_OVERRIDES, **current}
    if merged != current:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(merged, indent=2))
    return path


def free_port(start: int, attempts: int = 20) -> int:
    """The first port from ``start`` that nothing on 127.0.0.1 is listening on."""
    for port in range(start, start + attempts):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError(f"ports {start}-{start + attempts - 1} on 127.0.0.1 are all in use; pass another with PORT=...")


def start_page(workspace: Path) -> str:
    """Where JupyterLab opens: the intake check (where work with a new client starts), else the
    first workbook of the first program, else the file browser."""
    candidates = [*sorted(workspace.glob("intake/*.ipynb")), *sorted(workspace.rglob("01_*.ipynb"))]
    first = next((p for p in candidates if ".ipynb_checkpoints" not in p.parts), None)
    return f"lab/tree/{first.relative_to(workspace).as_posix()}" if first else "lab"


def launch_lab(workspace: Path, *, port: int = 8888, open_browser: bool = True, ip: str = LOOPBACK,
               terminals: bool = False) -> int:
    """Replace this process with JupyterLab on 127.0.0.1, opened at the workbooks. Terminals are off
    unless ``terminals`` (``securebase start --terminals``)."""
    ensure_lab_settings(Path(sys.prefix))
    port = free_port(port)  # and JupyterLab may not move to another one: the printed address must be right
    token = secrets.token_urlsafe(24)
    config_file = write_private(run_dir("lab") / "jupyter_server_config.json", lab_config(token, terminals=terminals))
    command = lab_command(workspace, port=port, config_file=config_file, open_browser=open_browser, ip=check_ip(ip))
    path = start_page(workspace)
    host = display_host(ip)
    print(f"\nSecure Base is starting. Open this address in your browser:\n\n    http://{host}:{port}/{path}?token={token}\n",
          flush=True)
    if shutil.which(command[0]) is None and not Path(command[0]).exists():
        print("JupyterLab is not installed in this environment; run `make start` from the repository.", file=sys.stderr)
        return 2
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return
