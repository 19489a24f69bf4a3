import nbformat

from securebase.app.workspace import MANIFEST, lab_command, sources_hash, sync_workspace


def _nb(source):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source, outputs=[
        nbformat.v4.new_output("stream", text="demo output")])])


def test_sync_creates_updates_and_keeps_edits(tmp_path):
    templates, ws = tmp_path / "t", tmp_path / "ws"
    (templates / "sie").mkdir(parents=True)
    nbformat.write(_nb("a = 1"), templates / "sie" / "01_a.ipynb")
    nbformat.write(_nb("b = 1"), templates / "sie" / "02_b.ipynb")
    first = sync_workspace(templates, ws)
    assert first.created == ["sie/01_a.ipynb", "sie/02_b.ipynb"]
    copy = nbformat.read(ws / "sie" / "01_a.ipynb", as_version=4)
    assert copy.cells[0].outputs == []  # working copies start clean
    assert (ws / MANIFEST).exists()

    # a copy that was only run (outputs added) counts as untouched and follows its template
    copy.cells[0].outputs = [nbformat.v4.new_output("stream", text="client output")]
    nbformat.write(copy, ws / "sie" / "01_a.ipynb")
    # a copy whose code someone changed is kept
    edited = nbformat.read(ws / "sie" / "02_b.ipynb", as_version=4)
    edited.cells[0].source = "b = 2  # my change"
    nbformat.write(edited, ws / "sie" / "02_b.ipynb")
    nbformat.write(_nb("a = 10"), templates / "sie" / "01_a.ipynb")
    nbformat.write(_nb("b = 10"), templates / "sie" / "02_b.ipynb")
    second = sync_workspace(templates, ws)
    assert second.updated == ["sie/01_a.ipynb"] and second.kept_edited == ["sie/02_b.ipynb"]
    assert nbformat.read(ws / "sie" / "01_a.ipynb", as_version=4).cells[0].source == "a = 10"
    assert nbformat.read(ws / "sie" / "02_b.ipynb", as_version=4).cells[0].source == "b = 2  # my change"
    assert any("kept your edited copy" in line for line in second.lines())


def test_sources_hash_ignores_outputs():
    a, b = _nb("x"), _nb("x")
    b.cells[0].outputs = []
    assert sources_hash(a) == sources_hash(b)


def test_lab_command_binds_loopback_and_only_allows_root_for_root(tmp_path, monkeypatch):
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    command = lab_command(tmp_path, port=9999, config_file=tmp_path / "c.json", open_browser=False)
    assert "--ServerApp.ip=127.0.0.1" in command and "--ServerApp.port=9999" in command
    assert f"--config={tmp_path / 'c.json'}" in command and not any("token" in c for c in command)
    assert f"--ServerApp.root_dir={tmp_path}" in command and "--no-browser" in command
    assert "--allow-root" not in command
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert "--allow-root" in lab_command(tmp_path, port=9999, config_file=tmp_path / "c.json", open_browser=True)


def test_lab_settings_overrides_are_merged(tmp_path):
    import json

    from securebase.app.workspace import ensure_lab_settings

    path = ensure_lab_settings(tmp_path)
    assert json.loads(path.read_text())["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}))
    merged = json.loads(ensure_lab_settings(tmp_path).read_text())
    assert "@jupyterlab/apputils-extension:themes" in merged and "@jupyterlab/apputils-extension:notification" in merged


def test_free_port_skips_a_busy_port():
    import socket

    from securebase.app.workspace import free_port

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert free_port(taken) != taken


def test_lab_opens_at_the_intake_check_then_the_first_workbook(tmp_path):
    from securebase.app.workspace import start_page

    assert start_page(tmp_path) == "lab"
    (tmp_path / "sie").mkdir()
    (tmp_path / "sie" / "01_awareness.ipynb").write_text("{}")
    assert start_page(tmp_path) == "lab/tree/sie/01_awareness.ipynb"
    (tmp_path / "intake").mkdir()
    (tmp_path / "intake" / "relationship_check.ipynb").write_text("{}")
    assert start_page(tmp_path) == "lab/tree/intake/relationship_check.ipynb"


def test_a_new_title_or_tag_reaches_untouched_copies_and_old_manifests_still_count(tmp_path):
    import hashlib
    import json

    templates, ws = tmp_path / "t", tmp_path / "ws"
    (templates / "sie").mkdir(parents=True)
    nb = _nb("a = 1")
    nbformat.write(nb, templates / "sie" / "01_a.ipynb")
    sync_workspace(templates, ws)
    nb.metadata["title"] = "Step 1 · Secure Base"
    nb.cells[0].metadata["tags"] = ["scaffold"]
    nbformat.write(nb, templates / "sie" / "01_a.ipynb")
    assert sync_workspace(templates, ws).updated == ["sie/01_a.ipynb"]
    assert nbformat.read(ws / "sie" / "01_a.ipynb", as_version=4).metadata["title"] == "Step 1 · Secure Base"
    # a manifest written by an older version (a hash of cell types and sources only) still marks the copy untouched
    old = hashlib.sha256(b"code\0a = 1\0").hexdigest()
    (ws / MANIFEST).write_text(json.dumps({"sie/01_a.ipynb": old}))
    nb.metadata["title"] = "Step 1, renamed · Secure Base"
    nbformat.write(nb, templates / "sie" / "01_a.ipynb")
    assert sync_workspace(templates, ws).updated == ["sie/01_a.ipynb"]
