"""The navigation of a client's app pages: back to the clients, the client's steps, progress and
the relationship check (see :func:`securebase.progress.caseload.client_pages`)."""

from __future__ import annotations

import html
from typing import Sequence

import ipywidgets as w


def client_nav(client_id: str, links: Sequence, here: str) -> w.HTML:
    """A bar of links; ``here`` is the label of the page it is on (marked, not a link). A widget, so that
    the links open in the same tab."""
    items = []
    for link in links:
        label = html.escape(link.label)
        if link.label == here:
            items.append(f'<span class="sb-nav-here" aria-current="page">{label}</span>')
        else:
            items.append(f'<a href="{html.escape(link.href)}">{label}</a>')
    return w.HTML(f'<nav class="sb-nav" aria-label="Pages of client {html.escape(client_id)}">'
                  f'<span class="sb-nav-client">{html.escape(client_id)}</span>{"".join(items)}</nav>',
                  layout=w.Layout(width="100%"))
