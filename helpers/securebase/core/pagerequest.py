"""The request an app page's kernel serves, also in a kernel Voila started before anyone asked for the page.

The app keeps a few kernels preheated (see :mod:`securebase.app.serverconf`): Voila starts them, and
begins running their notebook, before the page is asked for, so that its imports are done when a
person opens it. Such a kernel runs with ``VOILA_PREHEAT=True`` and knows nothing of the request yet:
no ``QUERY_STRING`` (so no client), no ``SERVER_SOFTWARE``. :func:`wait_for_page_request` blocks until
the page is asked for and Voila has handed the request over; everything that depends on the request,
or on the store as it is when the page opens, comes after it. In every other kernel (Voila without a
pool, JupyterLab, papermill) it returns at once.

The hand-over is Voila's own (``voila.utils.get_query_string``): the kernel opens a websocket to the
server's ``voila/query/<kernel id>`` and receives the request's CGI variables as one JSON message. It
is done here with tornado's websocket client, which every kernel has loaded already: importing
``voila.utils`` imports the whole Voila server (over 700 modules, about 45 MB in every pooled kernel).
Only the request's own variables (:data:`REQUEST_VARIABLES`) are taken from the message, and only
from a message of at most :data:`MAX_MESSAGE_BYTES`. If the hand-over fails, the page has no request:
it names no client, and a client's page refuses to open (it never falls back to anything).
"""

from __future__ import annotations

import json
import os
import threading

__all__ = ["preheated", "wait_for_page_request"]

PREHEAT = "VOILA_PREHEAT"
REQUEST_VARIABLES = frozenset({"QUERY_STRING", "SERVER_SOFTWARE", "SERVER_PROTOCOL", "SERVER_NAME", "SERVER_PORT",
                               "SCRIPT_NAME", "PATH_INFO"})
MAX_MESSAGE_BYTES = 64 * 1024
CONNECT_TIMEOUT_SECONDS = 10
_received = False   # the request has been handed over (Voila hands it over once: a second wait would never end)


def preheated() -> bool:
    """Whether Voila started this kernel for an app page before the page was asked for."""
    return os.environ.get(PREHEAT) == "True"


def request_url(environ: dict[str, str] | None = None) -> str:
    """Where a preheated kernel receives its request (as ``voila.utils.wait_for_request`` builds it)."""
    env = os.environ if environ is None else environ
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    return (f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
            f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env.get('VOILA_KERNEL_ID', '')}")


def _receive(url: str) -> str | None:
    """The one message the server sends on ``url`` (None if there is none), read on an event loop of its
    own in another thread: the kernel's own loop is busy running this cell."""
    import asyncio

    from tornado.websocket import websocket_connect

    async def receive() -> str | None:
        ws = await asyncio.wait_for(websocket_connect(url, max_message_size=MAX_MESSAGE_BYTES),
                                    CONNECT_TIMEOUT_SECONDS)
        try:
            message = await ws.read_message()
        finally:
            ws.close()
        return message if isinstance(message, str) else None

    result: dict[str, str | None] = {}

    def run() -> None:
        try:
            result["message"] = asyncio.run(receive())
        except Exception:   # no server, refused, closed: the page has no request
            result["message"] = None

    thread = threading.Thread(target=run, name="securebase-page-request", daemon=True)
    thread.start()
    thread.join()
    return result.get("message")


def wait_for_page_request() -> None:
    """In a preheated kernel, wait until the page is asked for; its request is then in ``os.environ``
    (``QUERY_STRING``, ``SERVER_SOFTWARE``, ...). Only the first call waits."""
    global _received
    if _received or not preheated():
        return
    message = _receive(request_url())
    _received = True
    try:
        request = json.loads(message) if message else {}
    except ValueError:
        request = {}
    if isinstance(request, dict):
        os.environ.update({k: v for k, v in request.items() if k in REQUEST_VARIABLES and isinstance(v, str)})
