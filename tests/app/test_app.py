"""App mode: the address names the client, and the Voila command is local, token-protected and culls."""

from __future__ import annotations


from securebase.app import server as app


def test_render_url_quotes():
    assert app.render_url("sie/01_awareness.ipynb", client_id="C-1AB2") == "/voila/render/sie/01_awareness.ipynb?client_id=C-1AB2"
    assert app.render_url("app/home.ipynb") == "/voila/render/app/home.ipynb"


def test_app_command(tmp_path, monkeypatch):
    monkeypatch.setattr(app.os, "geteuid", lambda: 1000)
    cmd = app.app_command(tmp_path, port=8866, token="tok")
    assert "--Voila.ip=127.0.0.1" in cmd and "--Voila.token=tok" in cmd and "--no-browser" in cmd
    assert f"--MappingKernelManager.cull_idle_timeout={app.CULL_IDLE_SECONDS}" in cmd
    assert not any("allow_root" in c for c in cmd)
    csp = next(c for c in cmd if c.startswith("--Voila.tornado_settings="))
    assert "connect-src 'self'" in csp and "default-src 'self'" in csp
    monkeypatch.setattr(app.os, "geteuid", lambda: 0)
    assert "--ServerApp.allow_root=True" in app.app_command(tmp_path, port=8866, token="tok")
