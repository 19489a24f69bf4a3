"""A preheated app page's kernel waits for its request (the client in its address) before it reads it:
the real hand-over, from Voila's own request-info websocket handler on a tornado server."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time

import pytest

from securebase.core import pagerequest
from securebase.core.errors import ParameterError
from securebase.notebook import page
from securebase.notebook.parameters import check_mode_and_client, url_parameters

REQUEST_KEYS = ("QUERY_STRING", "SERVER_SOFTWARE", "VOILA_PREHEAT", "VOILA_KERNEL_ID", "VOILA_APP_PORT",
                "VOILA_APP_IP", "VOILA_SERVER_URL")


@pytest.fixture
def voila_server(monkeypatch):
    """A tornado server with Voila's request-info websocket (what ``securebase app`` serves to its
    preheated kernels); ``hand_over(kernel_id, request)`` is what Voila does when a page is asked for."""
    import tornado.web
    from voila.request_info_handler import RequestInfoSocketHandler

    for key in REQUEST_KEYS:
        monkeypatch.delenv(key, raising=False)   # restored after the test, whatever the hand-over set
    monkeypatch.setattr(pagerequest, "_received", False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve():
        asyncio.set_event_loop(loop)
        tornado.web.Application([(r"/voila/query/(.*)", RequestInfoSocketHandler)]).listen(port, "127.0.0.1")
        loop.call_soon(started.set)
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started.wait(10)

    def hand_over(kernel_id: str, request: dict[str, str]) -> None:
        loop.call_soon_threadsafe(RequestInfoSocketHandler.send_updates, {"kernel_id": kernel_id, "payload": request})

    yield port, hand_over
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def preheat(monkeypatch, port: int, kernel_id: str) -> None:
    """This process is a kernel Voila preheated (its environment as voila_kernel_manager sets it)."""
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", str(port))
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    monkeypatch.setenv("VOILA_KERNEL_ID", kernel_id)
    for name in pagerequest.REQUEST_VARIABLES:   # the hand-over writes these into os.environ: undone after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setattr(pagerequest, "_received", False)


def in_thread(fn, timeout: float = 20.0):
    """``fn()`` in another thread (so that a wait that never ends fails the test instead of hanging it)."""
    result: dict = {}

    def run():
        try:
            result["value"] = fn()
        except Exception as exc:
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "still waiting for the page's request"
    if "error" in result:
        raise result["error"]
    return result.get("value")


def test_a_preheated_kernel_reads_its_client_only_once_the_page_is_asked_for(voila_server, monkeypatch):
    port, hand_over = voila_server
    preheat(monkeypatch, port, "k-1")
    assert page.in_app()                  # an app page's kernel, though Voila has not said so yet
    found: dict = {}
    waiting = threading.Thread(target=lambda: found.update(url_parameters()), daemon=True)
    waiting.start()
    time.sleep(1.0)
    assert waiting.is_alive() and found == {}     # no request yet: it waits, it does not guess
    hand_over("k-1", {"QUERY_STRING": "client_id=C-7KQ2M9", "SERVER_SOFTWARE": "voila/0.5.13"})
    waiting.join(20)
    assert found == {"client_id": "C-7KQ2M9"}
    # asked again (every cell may), it answers at once: Voila hands the request over only once
    assert in_thread(url_parameters, timeout=5) == {"client_id": "C-7KQ2M9"}
    assert in_thread(lambda: check_mode_and_client("interactive", "demo-001"), timeout=5) == "C-7KQ2M9"


def test_a_request_handed_over_before_the_kernel_asks_is_kept_for_it(voila_server, monkeypatch):
    port, hand_over = voila_server
    preheat(monkeypatch, port, "k-2")
    hand_over("k-2", {"QUERY_STRING": "client_id=C-EARLY1", "SERVER_SOFTWARE": "voila/0.5.13"})
    time.sleep(0.5)
    assert in_thread(url_parameters) == {"client_id": "C-EARLY1"}


def test_a_preheated_page_with_no_client_or_a_bad_one_is_refused(voila_server, monkeypatch):
    port, hand_over = voila_server
    preheat(monkeypatch, port, "k-3")
    hand_over("k-3", {"QUERY_STRING": "client_id=C-BAD%0A1", "SERVER_SOFTWARE": "voila/0.5.13"})
    with pytest.raises(ParameterError, match="not a client code"):
        in_thread(lambda: check_mode_and_client("interactive", "demo-001"))
    monkeypatch.setattr(pagerequest, "_received", False)
    preheat(monkeypatch, port, "k-4")
    hand_over("k-4", {"QUERY_STRING": "", "SERVER_SOFTWARE": "voila/0.5.13"})   # an address with no client
    with pytest.raises(ParameterError, match="names none"):
        in_thread(lambda: check_mode_and_client("interactive", "demo-001"))


def test_other_kernels_never_wait(monkeypatch):
    for key in REQUEST_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(pagerequest, "_received", False)
    monkeypatch.setattr(pagerequest, "_receive", lambda url: pytest.fail("asked for a request"))
    for preheat_value in (None, "False"):          # JupyterLab, papermill; Voila without a pool
        if preheat_value:
            monkeypatch.setenv("VOILA_PREHEAT", preheat_value)
        pagerequest.wait_for_page_request()
        assert url_parameters() == {} and not pagerequest.preheated()


def test_only_the_requests_own_variables_are_taken_and_only_from_a_small_message(voila_server, monkeypatch):
    port, hand_over = voila_server
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    preheat(monkeypatch, port, "k-5")
    hand_over("k-5", {"QUERY_STRING": "client_id=C-OK1234", "LD_PRELOAD": "/tmp/x.so", "VOILA_PREHEAT": "False"})
    assert in_thread(url_parameters) == {"client_id": "C-OK1234"}
    assert "LD_PRELOAD" not in os.environ and pagerequest.preheated()
    monkeypatch.setattr(pagerequest, "_received", False)
    monkeypatch.delenv("QUERY_STRING")
    preheat(monkeypatch, port, "k-6")
    hand_over("k-6", {"QUERY_STRING": "client_id=C-OK1234&x=" + "a" * pagerequest.MAX_MESSAGE_BYTES})
    assert in_thread(url_parameters) == {}            # too long: no request at all


def test_a_failed_hand_over_leaves_the_page_without_a_client(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]                # nothing listens there
    for key in REQUEST_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(pagerequest, "_received", False)
    preheat(monkeypatch, closed_port, "k-7")
    with pytest.raises(ParameterError, match="names none"):
        in_thread(lambda: check_mode_and_client("interactive", "demo-001"))


def test_the_hand_over_address_is_voilas():
    env = {"VOILA_APP_PORT": "8870", "VOILA_SERVER_URL": "/", "VOILA_KERNEL_ID": "abc", "VOILA_APP_IP": "[::1]"}
    assert pagerequest.request_url(env) == "ws://[::1]:8870/voila/query/abc"
    assert pagerequest.request_url({**env, "VOILA_APP_IP": "127.0.0.1"}) == "ws://127.0.0.1:8870/voila/query/abc"
