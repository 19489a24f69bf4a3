"""Escaping: every value that reaches HTML (an ``HTML`` widget, a report, a page) goes through
:func:`esc`, client text and content alike."""

from __future__ import annotations

import html
from typing import Any


def esc(value: Any) -> str:
    """``value`` as text, safe inside HTML elements and attribute values."""
    return html.escape(str(value), quote=True)
