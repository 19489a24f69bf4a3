"""The clinic server's parts that need no root: password rules, names, each role's pages, the server settings
and JupyterHub's configuration (which must hold no secret where a person's process could read it)."""

from __future__ import annotations

import json
import stat

import nbformat
import pytest
from traitlets.config import Config

from securebase.hub import accounts, hubconfig, pages
from securebase.hub.settings import HubError, HubSettings
from securebase.hub.singleuser import REFUSED, server_config


@pytest.mark.parametrize("password, says", [
    ("short", "12 characters"), ("ann-is-my-name-1", "user name"), ("aaaaaaaaaaaaaaaa", "too easy"),
    ("password1234", "too easy"), ("line\nbreak here ok", "line breaks"), ("x" * 300, "256 characters"),
])
def test_a_weak_password_is_refused_with_the_reason(password, says):
    assert says in (accounts.password_problem(password, "ann") or "")


def test_a_good_password_passes():
    assert accounts.password_problem("kettle garden window 9", "ann") is None


def test_system_names_are_the_database_roles_and_fit_the_system():
    assert accounts.system_name("Dr-Lee") == "sb_dr_lee"
    with pytest.raises(HubError, match="too long"):
        accounts.system_name("a" * 31)
    assert accounts.role_of("root") is None and accounts.role_of("sb_nobody_here") is None


def test_each_role_opens_at_its_page_and_the_admin_at_the_hubs_admin_page():
    assert pages.landing("client") == "/voila/render/app/today.ipynb"
    assert pages.landing("clinician") == "/voila/render/app/home.ipynb"
    assert pages.landing("admin") == "/hub/admin"


def test_each_roles_folder_holds_exactly_its_pages_without_outputs(tmp_path):
    from pathlib import Path

    notebooks = Path(__file__).resolve().parents[2] / "notebooks"
    counts = pages.sync(notebooks, tmp_path)
    client = {p.relative_to(tmp_path / "client").as_posix() for p in (tmp_path / "client").rglob("*.ipynb")}
    assert "app/today.ipynb" in client and "app/home.ipynb" not in client
    assert not any(p.startswith(("research/", "intake/", "workshop/")) for p in client)
    assert {p.name for p in (tmp_path / "researcher").iterdir()} == {"research"}
    assert counts["supervisor"] == 3 and counts["facilitator"] == 1
    for path in tmp_path.rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert "widgets" not in nb.metadata and all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_persons_server_loads_no_jupyterlab_no_terminals_and_shows_no_tracebacks():
    settings = server_config()
    extensions = settings["ServerApp"]["jpserver_extensions"]
    assert not any(extensions[name] for name in ("jupyterlab", "notebook", "jupyter_server_terminals", "jupyter_lsp"))
    assert extensions["voila"] and extensions["securebase.hub.singleuser"]
    assert settings["ServerApp"]["terminals_enabled"] is False
    assert settings["VoilaConfiguration"] == {"template": "securebase", "show_tracebacks": False}
    assert {"api/contents", "files", "terminals", "voila/tree", "lab", "tree"} <= set(REFUSED)
    kernels = settings["MappingKernelManager"]   # a closed page's kernel goes within a minute; an open one stays
    assert kernels["cull_idle_timeout"] + kernels["cull_interval"] <= 60 and kernels["cull_connected"] is False


def test_jupyterhubs_configuration_is_loopback_on_the_socket_and_keeps_tokens_off_command_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_HUB_DIR", str(tmp_path))
    settings = HubSettings(proxy_command="/x/configurable-http-proxy", python="/x/venv/bin/python")
    token = settings.token(hubconfig.ADMIN_SERVICE)
    c = Config()
    hubconfig.configure(c, settings, environ={"SECUREBASE_SMTP_HOST": "mail.example", "HOME": "/root"})
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8000"
    assert c.JupyterHub.hub_bind_url.startswith("http://127.0.0.1:")
    assert c.JupyterHub.db_url.startswith("postgresql+psycopg://postgres@/securebase_hub?host=")
    assert "password" not in c.JupyterHub.db_url
    assert c.SecureBaseSpawner.database_url_template == settings.database_url("{role}")
    command_lines = json.dumps([c.Spawner.cmd, c.Spawner.args, [s.get("command", []) for s in c.JupyterHub.services]])
    assert token not in command_lines and "SMTP" not in command_lines
    service = next(s for s in c.JupyterHub.services if s["name"] == hubconfig.SERVICE)
    assert service["user"] == "postgres" and service["environment"]["SECUREBASE_SMTP_HOST"] == "mail.example"
    assert "HOME" not in service["environment"]
    roles = {r["name"]: r["scopes"] for r in c.JupyterHub.load_roles}
    assert "delete:servers" in roles["idle-culler"] and "admin:users" not in roles["idle-culler"]


def test_tls_needs_both_files_and_changes_the_address(tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_HUB_DIR", str(tmp_path))
    settings = HubSettings(ssl_cert="/etc/ssl/c.pem", ssl_key="/etc/ssl/k.pem", proxy_command="p", python="/x/python")
    c = Config()
    hubconfig.configure(c, settings, environ={})
    assert c.JupyterHub.bind_url.startswith("https://") and c.JupyterHub.ssl_key == "/etc/ssl/k.pem"
    assert settings.address == "https://127.0.0.1:8000"
    assert HubSettings(public_url="https://securebase.clinic.org/").address == "https://securebase.clinic.org"


def test_settings_are_written_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_HUB_DIR", str(tmp_path))
    settings = HubSettings()
    settings.token("x")
    path = settings.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and HubSettings.load().tokens == settings.tokens


def test_without_a_clinic_server_the_message_says_how_to_set_one_up(tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_HUB_DIR", str(tmp_path / "none"))
    with pytest.raises(HubError, match="make hub"):
        HubSettings.load()


def test_mail_settings_come_from_an_owner_only_file_and_reach_only_the_service(tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_HUB_DIR", str(tmp_path))
    settings = HubSettings(proxy_command="p", python="/x/python", mail_every=30)
    mail = tmp_path / "mail.env"
    mail.write_text("# the clinic's relay\nSECUREBASE_SMTP_HOST=smtp.clinic.example\n\nSECUREBASE_SMTP_FROM=\"sb@clinic.example\"\n")
    mail.chmod(0o644)
    with pytest.raises(HubError, match="chmod 600"):
        settings.mail_environment()
    mail.chmod(0o600)
    c = Config()
    hubconfig.configure(c, settings, environ={})
    service = next(s for s in c.JupyterHub.services if s["name"] == hubconfig.SERVICE)
    assert service["environment"]["SECUREBASE_SMTP_HOST"] == "smtp.clinic.example"
    assert service["environment"]["SECUREBASE_SMTP_FROM"] == "sb@clinic.example"
    assert service["environment"]["SECUREBASE_MAIL_EVERY"] == "30"
    assert "SECUREBASE_SMTP_HOST" not in c.Spawner.environment
    mail.write_text("HOST=smtp.clinic.example\n")
    with pytest.raises(HubError, match="line 1: write SECUREBASE_SMTP_NAME=value"):
        settings.mail_environment()


def test_the_pam_files_check_the_second_factor_only_at_sign_in(tmp_path, monkeypatch):
    from securebase.hub import auth, twofactor

    monkeypatch.setenv("SECUREBASE_HUB_DIR", str(tmp_path))
    monkeypatch.setattr(twofactor, "available", lambda: True)
    files = auth.pam_files()
    sign_in, password_page = files[auth.PAM_SERVICE], files[auth.PASSWORD_SERVICE]
    assert sign_in.index("pam_unix.so") < sign_in.index(twofactor.MODULE)          # the password, then the code
    assert f"secret={tmp_path}/two-factor/${{USER}}" in sign_in and "nullok" in sign_in and "user=root" in sign_in
    assert twofactor.MODULE not in password_page                                  # signed in with it already
    assert auth.ours(sign_in) and auth.ours("# Secure Base clinic server (securebase.hub.auth). old\n")
    assert not auth.ours("# my own\nauth required pam_unix.so\n")
    written = tmp_path / "pam"
    written.write_text(sign_in)
    assert auth.checks_codes(written)
    written.write_text(password_page + f"# auth required {twofactor.MODULE}\n")
    assert not auth.checks_codes(written) and not auth.checks_codes(tmp_path / "none")
    monkeypatch.setattr(twofactor, "available", lambda: False)
    assert twofactor.MODULE not in auth.pam_files()[auth.PAM_SERVICE]
    assert [c for c in ("123456", "12345678", "12345", "12a456", "1234567") if twofactor.plausible_code(c)] == [
        "123456", "12345678"]
