"""What every notebook's first cell shares: the mode, the client, dates, and plain-text output.

A bad value stops the notebook with a :class:`ParameterError` whose message says what to write
instead. In the app (Voila) the page's address names the client: Voila hands the query string
to the kernel in ``QUERY_STRING``, and :func:`url_parameters` reads it (in a preheated kernel, once the
page is asked for: see :mod:`securebase.core.pagerequest`)."""

from __future__ import annotations

import os
from datetime import date
from urllib.parse import parse_qs

from securebase.core.errors import ParameterError, SecureBaseError
from securebase.core.ids import validate_client_id
from securebase.core.pagerequest import wait_for_page_request
from securebase.notebook.page import in_app

__all__ = ["MODES", "ParameterError", "Text", "check_mode_and_client", "date_parameter",
           "url_parameters"]

MODES = ("interactive", "batch")


def check_mode_and_client(mode: str, client_id: str) -> str:
    """The parameters every notebook shares; a bad value stops the notebook with a plain message.

    Returns the client id to use: on an app page, the one its address names (``?client_id=...``,
    see :func:`url_parameters`), and there is no other; otherwise the parameter."""
    if mode not in MODES:
        raise ParameterError(f"mode must be 'interactive' or 'batch', not {mode!r}.")
    if mode == "interactive" and in_app():
        client_id = url_parameters().get("client_id", "")
        if not client_id:
            raise ParameterError("This page is for one client, and its address names none. Open it from the "
                                 "clients list.")
        try:
            return validate_client_id(client_id)
        except SecureBaseError:
            raise ParameterError(f"The page's address names the client {client_id!r}, which is not a client code "
                                 "(codes such as C-7KQ2M9 have 3 to 40 letters, digits, '-' or '_'). Open the page "
                                 "from the clients list.") from None
    try:
        return validate_client_id(client_id)
    except SecureBaseError as exc:
        raise ParameterError(f"client_id: {exc}") from None


def date_parameter(name: str, value: str) -> date | None:
    """A YYYY-MM-DD notebook parameter; empty means not given."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise ParameterError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD, or leave it empty.") from None


class Text:
    """Plain-text notebook output (rendered as text, never as HTML)."""

    def __init__(self, lines: list[str]):
        self.lines = lines

    def __repr__(self) -> str:
        return "\n".join(self.lines)


def url_parameters() -> dict[str, str]:
    """The query string of the Voila page this kernel serves (empty outside Voila). A preheated kernel
    waits here until its page is asked for."""
    wait_for_page_request()
    query = os.environ.get("QUERY_STRING", "")
    return {k: v[-1] for k, v in parse_qs(query, keep_blank_values=False).items()}
