"""The local servers' settings: the token in an owner-only file, terminals off, quiet logs, and a
login that lapses after 12 hours without use."""

from __future__ import annotations

import asyncio
import json
import stat
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from securebase.app import serverconf


def test_the_run_folders_and_files_are_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_HOME", str(tmp_path))
    (tmp_path / "run").mkdir(mode=0o755)   # made earlier by something less careful
    folder = serverconf.run_dir("app")
    path = serverconf.write_private(folder / "voila.json", serverconf.app_config("s3cret"))
    for p in (tmp_path / "run", folder):
        assert stat.S_IMODE(p.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["Voila"]["token"] == "s3cret"
    serverconf.write_private(path, serverconf.app_config("n3w"))   # a second start replaces it
    assert json.loads(path.read_text())["Voila"]["token"] == "n3w" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["voila.json"]


def test_settings():
    app = serverconf.app_config("t")["Voila"]
    assert app["identity_provider_class"] == serverconf.IDENTITY_PROVIDER and app["log_level"] == "WARN"
    assert "connect-src 'self'" in app["tornado_settings"]["headers"]["Content-Security-Policy"]
    lab = serverconf.lab_config("t", terminals=False)
    assert lab["ServerApp"]["terminals_enabled"] is False and lab["IdentityProvider"]["token"] == "t"
    assert serverconf.lab_config("t", terminals=True)["ServerApp"]["terminals_enabled"] is True


def test_another_address_than_the_loopback_one_is_said_out_loud(capsys):
    assert serverconf.check_ip("127.0.0.1") == "127.0.0.1" and capsys.readouterr().err == ""
    assert serverconf.check_ip("0.0.0.0") == "0.0.0.0"
    assert "not only on this machine" in capsys.readouterr().err
    assert serverconf.display_host("0.0.0.0") == "127.0.0.1" and serverconf.display_host("10.1.2.3") == "10.1.2.3"


def _serve(provider_class, clock_offset_hours: float):
    """A tornado app behind the provider: the status of a request with a cookie signed
    ``clock_offset_hours`` ago, and the renewed cookie's attributes."""
    import tornado.httpclient
    import tornado.web
    from tornado.web import create_signed_value

    secret = b"x" * 32
    provider = provider_class(token="tok")

    class Page(tornado.web.RequestHandler):
        base_url = "/"

        def get(self):
            user = provider.get_user_cookie(self)
            if user is None:
                raise tornado.web.HTTPError(403)
            self.write("ok")

    async def main():
        app = tornado.web.Application([("/", Page)], cookie_secret=secret)
        server = app.listen(0, "127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        name = f"username-127-0-0-1-{port}"
        signed = create_signed_value(secret, name, json.dumps({"username": "u", "name": "u", "display_name": "u", "initials": "U", "color": None, "avatar_url": None}),
                                     clock=lambda: time.time() - clock_offset_hours * 3600).decode()
        client = tornado.httpclient.AsyncHTTPClient()
        response = await client.fetch(f"http://127.0.0.1:{port}/", headers={"Cookie": f"{name}={signed}"},
                                      raise_error=False)
        server.stop()
        return response.code, response.headers.get("Set-Cookie", "")

    with ThreadPoolExecutor(1) as pool:   # a loop of its own, whatever else runs in this thread
        return pool.submit(asyncio.run, main()).result(timeout=60)


def test_the_login_is_renewed_by_use_and_lapses_after_12_idle_hours():
    pytest.importorskip("jupyter_server")
    from securebase.app.identity import IdleExpiringIdentityProvider

    code, cookie = _serve(IdleExpiringIdentityProvider, 11)
    assert code == 200
    assert "SameSite=Strict" in cookie and "HttpOnly" in cookie and "expires=" in cookie   # renewed
    assert _serve(IdleExpiringIdentityProvider, 13)[0] == 403


def test_only_the_pages_that_matter_are_preheated():
    from pathlib import Path

    conf = serverconf.app_config("t")
    assert conf["VoilaConfiguration"] == {"preheat_kernel": True, "default_pool_size": 0}
    manager = conf["VoilaKernelManager"]
    pools = manager["kernel_pools_config"]
    assert pools["default"]["pool_size"] == 0                      # every other page starts its kernel when asked for
    assert {page for page, pool in pools.items() if pool["pool_size"]} == set(serverconf.PREHEATED_PAGES)
    assert sum(pool["pool_size"] for pool in pools.values()) == 3   # one kernel each: memory matters
    notebooks = Path(__file__).resolve().parents[2] / "notebooks"
    for page in serverconf.PREHEATED_PAGES:                        # names as Voila's handler sees them
        assert (notebooks / page).is_file(), page
    assert manager["fill_delay"] == serverconf.POOL_REFILL_SECONDS > 1
    assert {pool["kernel_env_variables"]["VOILA_APP_IP"] for pool in pools.values()} == {"127.0.0.1"}


def test_preheated_kernels_reach_the_server_where_it_listens():
    def reached(ip):
        return {p["kernel_env_variables"]["VOILA_APP_IP"]
                for p in serverconf.app_config("t", ip=ip)["VoilaKernelManager"]["kernel_pools_config"].values()}
    assert reached("0.0.0.0") == {"127.0.0.1"} and reached("10.1.2.3") == {"10.1.2.3"}
    assert reached("::1") == {"[::1]"} and reached("::") == {"[::1]"}
