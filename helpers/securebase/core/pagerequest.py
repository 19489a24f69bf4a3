"""The request an app page's kernel serves, also in a kernel Voila started before anyone asked for the page.

The app keeps a few kernels preheated (see :mod:`securebase.app.server`): Voila starts them, and
begins running their notebook, before the page is asked for, so that its imports are done when a
person opens it. Such a kernel runs with ``VOILA_PREHEAT=True`` and knows nothing of the request yet:
no ``QUERY_STRING`` (so no client), no ``SERVER_SOFTWARE``. :func:`wait_for_page_request` blocks until
the page is asked for and Voila has handed the request over (:func:`voila.utils.get_query_string`);
everything that depends on the request, or on the store as it is when the page opens, comes after it.
In every other kernel (Voila without a pool, JupyterLab, papermill) it returns at once.
"""

from __future__ import annotations

import os

__all__ = ["preheated", "wait_for_page_request"]

PREHEAT = "VOILA_PREHEAT"
_received = False   # the request has been handed over (voila's helper must not be asked twice: it would wait forever)


def preheated() -> bool:
    """Whether Voila started this kernel for an app page before the page was asked for."""
    return os.environ.get(PREHEAT) == "True"


def wait_for_page_request() -> None:
    """In a preheated kernel, wait until the page is asked for; its request is then in ``os.environ``
    (``QUERY_STRING``, ``SERVER_SOFTWARE``, ...). Only the first call waits."""
    global _received
    if _received or not preheated():
        return
    from voila.utils import get_query_string

    get_query_string()   # waits for Voila's message with the request, over a websocket to this server
    _received = True
