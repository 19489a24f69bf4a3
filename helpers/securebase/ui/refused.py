"""The notice of a page that cannot open (see :mod:`securebase.notebook.page`)."""

from __future__ import annotations

import html

import ipywidgets as w

# The rest of the page (the headings of exercises it cannot show) is hidden, so that the
# notice is all there is to read. (Voila wraps each cell in a <div cell-index="N">.)
_HIDE_THE_REST = "<style>div[cell-index]:has(.sb-refused) ~ div[cell-index] { display: none; }</style>"


def refused_notice(message: str, home_href: str) -> w.HTML:
    """Why an app page cannot open, in plain words (escaped), and a link back to the clients
    (``home_href``). A widget, not rendered HTML output, so that the link opens in the same tab."""
    link = (f'<p style="margin:8px 0 0 0"><a href="{html.escape(home_href)}" style="color:#1a4f9c;'
            f'text-decoration:underline">Back to the clients</a></p>')
    return w.HTML(
        f'{_HIDE_THE_REST}<div role="alert" class="sb-refused" style="border-left:4px solid #b3541e;background:#fdf3ec;'
        f'padding:12px 16px;max-width:46em;line-height:1.5"><p style="margin:0 0 8px 0"><strong>This page cannot '
        f'open.</strong></p><p style="margin:0">{html.escape(message)}</p>{link}</div>',
        layout=w.Layout(width="100%"),
    )
