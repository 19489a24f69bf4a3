"""Pictures on a page (charts, result cards) with a text alternative, which ipywidgets' Image lacks."""

from __future__ import annotations

import base64
import html

import ipywidgets as w


def png_html(png: bytes, alt: str, max_width: str) -> str:
    """An ``<img>`` of ``png`` with ``alt`` text (escaped), as wide as the page allows up to ``max_width``."""
    if not png:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return (f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}" '
            f'style="display:block;width:100%;max-width:{html.escape(max_width)};height:auto">')


def picture(png: bytes, alt: str, max_width: str = "52rem") -> w.HTML:
    return w.HTML(png_html(png, alt, max_width), layout=w.Layout(width="100%"))
