"""App mode: the address names the client, and the Voila command is local, token-protected and culls."""

from __future__ import annotations


from securebase.app import server as app


def test_render_url_quotes():
    assert app.render_url("sie/01_awareness.ipynb", client_id="C-1AB2") == "/voila/render/sie/01_awareness.ipynb?client_id=C-1AB2"
    assert app.render_url("app/home.ipynb") == "/voila/render/app/home.ipynb"


def test_app_command(tmp_path, monkeypatch):
    monkeypatch.setattr(app.os, "geteuid", lambda: 1000)
    cmd = app.app_command(tmp_path, port=8866, config_dir=tmp_path / "run")
    assert "--Voila.ip=127.0.0.1" in cmd and "--no-browser" in cmd
    assert f"--Voila.config_file_paths={tmp_path / 'run'}" in cmd
    assert not any("token" in c for c in cmd)
    assert f"--MappingKernelManager.cull_idle_timeout={app.CULL_IDLE_SECONDS}" in cmd
    assert "--MappingKernelManager.cull_connected=False" in cmd
    assert not any("allow_root" in c for c in cmd)
    monkeypatch.setattr(app.os, "geteuid", lambda: 0)
    assert "--ServerApp.allow_root=True" in app.app_command(tmp_path, port=8866, config_dir=tmp_path)
    assert "--Voila.ip=10.0.0.5" in app.app_command(tmp_path, port=8866, config_dir=tmp_path, ip="10.0.0.5")
