"""Every way Secure Base starts a kernel uses IPC sockets in a private folder, never TCP ports
(kernels started at the same time by different processes raced for "free" TCP ports).

Each test starts a real kernel by that path and asks the kernel itself how it is connected."""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import papermill as pm
from nbformat.v4 import new_code_cell, new_notebook, new_output

from securebase.core import kernel_transport as kt

ROOT = Path(__file__).resolve().parents[2]

# Run in the kernel: how its connection file says it is connected (never the key).
PROBE = """\
import json, os, stat, ipykernel
_info = json.loads(ipykernel.get_connection_info())
_dir = os.path.dirname(_info["ip"])
print(f"transport={_info['transport']} dir_mode={oct(stat.S_IMODE(os.stat(_dir).st_mode)) if _dir else '-'} ip={_info['ip']}")"""
PROBED = re.compile(r"transport=(\w+) dir_mode=(\S+) ip=(\S+)")


def probe_notebook(path: Path, *, parameters: str = "") -> Path:
    cells = [new_code_cell(parameters, metadata={"tags": ["parameters"]})] if parameters else []
    nb = new_notebook(cells=[*cells, new_code_cell(PROBE)],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def probed(text: str) -> tuple[str, str, str]:
    found = PROBED.search(text)
    assert found, text[-2000:]
    return found.group(1), found.group(2), found.group(3)


def assert_private_ipc(text: str) -> str:
    transport, mode, ip = probed(text)
    assert transport == "ipc" and mode == "0o700", (transport, mode, ip)
    assert len(ip) + len("-99999") <= kt.MAX_SOCKET_PATH
    return ip


def outputs(nb_path: Path) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


# ---------------------------------------------------------------- the managers themselves


def test_each_kernel_gets_its_own_prefix_in_a_private_folder():
    a, b = kt.IPCKernelManager(kernel_name="python3"), kt.BlockingIPCKernelManager(kernel_name="python3")
    assert a.transport == b.transport == "ipc" and a.ip != b.ip
    assert os.path.dirname(a.ip) == os.path.dirname(b.ip) == kt.socket_dir()
    assert os.stat(kt.socket_dir()).st_mode & 0o777 == 0o700
    assert kt.IPCKernelManager(kernel_name="python3", transport="tcp").ip == "127.0.0.1"  # tcp still possible


def test_kernel_lost_tells_a_lost_kernel_from_a_cell_error():
    import zmq
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    assert kt.kernel_lost(DeadKernelError("Kernel died"))
    assert kt.kernel_lost(zmq.ZMQError(98, "Address already in use"))
    assert kt.kernel_lost(kt.KernelStartError("the kernel did not start"))
    try:
        try:
            raise zmq.ZMQError(98)
        except zmq.ZMQError as inner:
            raise RuntimeError("while starting") from inner
    except RuntimeError as outer:
        assert kt.kernel_lost(outer)
    assert not kt.kernel_lost(CellExecutionError("tb", "ValueError", "bad"))
    assert not kt.kernel_lost(pm.PapermillExecutionError(0, 1, "x", "ZMQError", "in a cell", []))
    assert not kt.kernel_lost(ValueError("no"))


# ---------------------------------------------------------------- papermill and nbclient paths


def test_papermill_kernel_runs_on_ipc(tmp_path):
    nb = probe_notebook(tmp_path / "probe.ipynb")
    pm.execute_notebook(str(nb), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False,
                        cwd=str(tmp_path), kernel_manager_class=kt.IPCKernelManager)
    ip = assert_private_ipc(outputs(tmp_path / "out.ipynb"))
    assert not list(Path(ip).parent.glob(Path(ip).name + "-*")), "the sockets are removed with the kernel"


def test_batch_row_kernel_runs_on_ipc_in_a_worker_process(tmp_path):
    from securebase.workshop.batch import run_batch

    nb = probe_notebook(tmp_path / "nb" / "probe.ipynb", parameters='client_id: str = "x-1"')
    roster = tmp_path / "roster.csv"
    roster.write_text("participant_id,group,program,language\nP-901,g,sie,en\n")
    s = run_batch(roster, nb, tmp_path / "out", workers=1, progress=False)
    assert [r.status for r in s.results] == ["done"], s.lines()
    assert_private_ipc(outputs(tmp_path / "out" / "g" / "P-901" / "probe.ipynb"))


def test_single_batch_run_kernel_runs_on_ipc(tmp_path):
    from securebase.notebook.batchrun import run_workbook

    nb = probe_notebook(tmp_path / "probe.ipynb", parameters='client_id: str = "x-1"\noutput_dir: str = ""')
    result = run_workbook(nb, client_id="C-7KQ2M9", output_dir=tmp_path / "reports")
    assert_private_ipc(outputs(result.executed_notebook))


def test_demo_store_execution_runs_on_ipc(tmp_path):
    from securebase.nbgen.phase import execute_on_demo_store

    nb = execute_on_demo_store(nbformat.read(probe_notebook(tmp_path / "probe.ipynb"), as_version=4), tmp_path)
    assert_private_ipc("".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])))


def test_every_papermill_and_nbclient_call_names_the_ipc_kernel_manager():
    """A new ``pm.execute_notebook(...)`` or ``NotebookClient(...)`` without ``kernel_manager_class``
    would start its kernel on TCP again."""
    missing = []
    for path in [*sorted((ROOT / "helpers").rglob("*.py")), *sorted((ROOT / "tests").rglob("*.py")),
                 *sorted((ROOT / "bench").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("execute_notebook", "NotebookClient") and not any(
                    k.arg in ("kernel_manager_class", None) for k in node.keywords):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == []


# ---------------------------------------------------------------- nbval (make test's notebook run)


def _nbval(tmp_path: Path, with_root_conftest: bool) -> subprocess.CompletedProcess:
    folder = tmp_path / ("with" if with_root_conftest else "without")
    folder.mkdir()
    nb = new_notebook(cells=[new_code_cell('import json, ipykernel\nprint(json.loads(ipykernel.get_connection_info())["transport"])',
                                           outputs=[new_output("stream", name="stdout", text="ipc\n")], execution_count=1)],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, folder / "transport.ipynb")
    if with_root_conftest:
        (folder / "conftest.py").symlink_to(ROOT / "conftest.py")  # the repository's own, as make test loads it
    return subprocess.run([sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
                           "-q", "transport.ipynb"], cwd=folder, capture_output=True, text=True, timeout=300)


def test_nbval_kernels_run_on_ipc_under_the_repository_conftest(tmp_path):
    run = _nbval(tmp_path, with_root_conftest=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    control = _nbval(tmp_path, with_root_conftest=False)   # plain nbval: TCP, so the stored "ipc" does not match
    assert control.returncode != 0 and "tcp" in control.stdout, control.stdout[-3000:]


# ---------------------------------------------------------------- the servers (Voila, JupyterLab)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(command: list[str], tmp_path: Path, env: dict[str, str], url: str, headers=None) -> tuple[subprocess.Popen, str]:
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
    deadline = time.time() + 180
    while True:
        if proc.poll() is not None:
            raise AssertionError((tmp_path / "server.log").read_text()[-3000:])
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=120) as r:
                return proc, r.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.time() > deadline:
                proc.terminate()
                raise AssertionError((tmp_path / "server.log").read_text()[-3000:]) from None
            time.sleep(0.5)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_app_voila_kernels_run_on_ipc(tmp_path):
    from securebase.app.server import app_command, app_environment
    from securebase.app.serverconf import app_config, write_private

    workspace = tmp_path / "ws"
    probe_notebook(workspace / "probe.ipynb")
    port, token = _port(), secrets.token_urlsafe(16)
    (tmp_path / "run").mkdir(mode=0o700)
    write_private(tmp_path / "run" / "voila.json", app_config(token))
    command = app_command(workspace, port=port, config_dir=tmp_path / "run")
    assert all(arg in command for arg in kt.SERVER_ARGUMENTS)
    proc, page = _serve(command, tmp_path, {"SECUREBASE_HOME": str(tmp_path / "home"),
                                            "JUPYTER_PATH": app_environment()["JUPYTER_PATH"]},
                        f"http://127.0.0.1:{port}/voila/render/probe.ipynb?token={token}")
    try:
        assert_private_ipc(page)
    finally:
        _stop(proc)


async def _run_over_websocket(url: str, headers: dict[str, str], code: str) -> str:
    """Run ``code`` in a server's kernel through its websocket, as JupyterLab does; its printed output."""
    import uuid

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(HTTPRequest(url, headers=headers))
    msg_id = uuid.uuid4().hex
    await ws.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": uuid.uuid4().hex,
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False,
                    "stop_on_error": True}}))
    text = ""
    try:
        while True:
            message = json.loads(await ws.read_message())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream":
                text += message["content"]["text"]
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                return text
    finally:
        ws.close()


def test_jupyterlab_kernels_run_on_ipc(tmp_path):
    import asyncio
    import concurrent.futures

    from securebase.app.serverconf import lab_config, write_private
    from securebase.app.workspace import lab_command

    workspace = tmp_path / "ws"
    workspace.mkdir()
    port, token = _port(), secrets.token_urlsafe(16)
    config_file = write_private(tmp_path / "lab.json", lab_config(token, terminals=False))
    command = lab_command(workspace, port=port, config_file=config_file, open_browser=False)
    assert all(arg in command for arg in kt.SERVER_ARGUMENTS)
    auth = {"Authorization": f"token {token}"}
    proc, _ = _serve(command, tmp_path, {"JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
                                         "SECUREBASE_HOME": str(tmp_path / "home")},
                     f"http://127.0.0.1:{port}/api/status", headers=auth)
    try:
        start = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernels", data=b'{"name": "python3"}',
                                       headers={**auth, "Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(start, timeout=120) as r:
            kernel_id = json.loads(r.read())["id"]
        # In a thread of its own: the browser tests' Playwright keeps an event loop running in this one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            printed = pool.submit(asyncio.run, asyncio.wait_for(_run_over_websocket(
                f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels", auth, PROBE), timeout=180)).result()
        assert_private_ipc(printed)
    finally:
        _stop(proc)
