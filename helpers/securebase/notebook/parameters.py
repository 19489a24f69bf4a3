"""What every notebook's first cell shares: the mode, the client, dates, and plain-text output.

A bad value stops the notebook with a :class:`ParameterError` whose message says what to write
instead. In the app (Voila) the page's address may name the client: Voila hands the query string
to the kernel in ``QUERY_STRING``, and :func:`client_from_url` reads it."""

from __future__ import annotations

import os
from datetime import date
from urllib.parse import parse_qs

from securebase.core.errors import ParameterError, SecureBaseError
from securebase.core.ids import validate_client_id

__all__ = ["MODES", "ParameterError", "Text", "check_mode_and_client", "client_from_url", "date_parameter",
           "url_parameters"]

MODES = ("interactive", "batch")


def check_mode_and_client(mode: str, client_id: str) -> str:
    """The parameters every notebook shares; a bad value stops the notebook with a plain message.

    Returns the client id to use: in interactive mode an app page's address may name the client
    (``?client_id=...``, see :func:`client_from_url`); otherwise the parameter."""
    if mode not in MODES:
        raise ParameterError(f"mode must be 'interactive' or 'batch', not {mode!r}.")
    if mode == "interactive":
        client_id = client_from_url(client_id)
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
    """The query string of the Voila page this kernel serves (empty outside Voila)."""
    query = os.environ.get("QUERY_STRING", "")
    return {k: v[-1] for k, v in parse_qs(query, keep_blank_values=False).items()}


def client_from_url(default: str) -> str:
    """The ``client_id`` of the page's address when there is one, else ``default``."""
    return url_parameters().get("client_id", default)
