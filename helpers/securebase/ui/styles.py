"""Layout and styles shared by the form widgets: labels above their inputs, inputs as wide as the page allows.

Every ipywidgets widget has a layout and most have a style, and each of these is a model of its own that
the kernel sends and the browser builds: two of a workbook's three models were layouts and styles. Widgets
that look alike share one (:func:`shared_layout`, :func:`shared_style`, :func:`text`), which roughly halves
what a page has to send before it can be used. A shared layout or style is never changed after it is made;
a widget that is shown and hidden through its layout has a layout of its own.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

STACKED = dict(display="flex", flex_flow="column", align_items="stretch", width="100%", max_width="46rem")
LABEL_STYLE = {"description_width": "initial"}


# The shared ones, by their settings (``_STYLES`` by widget class too): a test checks that none changes.
_LAYOUTS: dict[tuple[tuple[str, str], ...], w.Layout] = {}
_STYLES: dict[tuple[type, tuple[tuple[str, str], ...]], w.Style] = {}


def shared_layout(**spec: str) -> w.Layout:
    """The one layout with these settings that widgets share (never change it)."""
    key = tuple(sorted(spec.items()))
    if key not in _LAYOUTS:
        _LAYOUTS[key] = w.Layout(**spec)
    return _LAYOUTS[key]


def shared_style(kind: type, **spec: str) -> w.Style:
    """The one style with these settings that widgets of ``kind`` (a widget class) share (never change it)."""
    key = (kind, tuple(sorted(spec.items())))
    if key not in _STYLES:
        _STYLES[key] = kind.class_traits()["style"].klass(**spec)
    return _STYLES[key]


def changed_shared() -> list[str]:
    """The shared layouts and styles whose settings are no longer the ones they were made with (for the tests)."""
    def settings(widget: w.Widget) -> dict[str, object]:
        return {k: v for k, v in widget.get_state().items() if not k.startswith("_") and v not in (None, "")}

    made = [(dict(key), layout) for key, layout in _LAYOUTS.items()]
    made += [({**type(style)().get_state(), **dict(key)}, style) for (_kind, key), style in _STYLES.items()]
    return [f"{type(widget).__name__} {spec}: now {settings(widget)}" for spec, widget in made
            if settings(widget) != {k: v for k, v in spec.items() if not k.startswith("_") and v not in (None, "")}]


def text(value: str = "", **layout: str) -> w.HTML:
    """An HTML widget with the shared style and a shared layout: for text, never for a part that is hidden
    through its layout. ``value`` must already be escaped."""
    return w.HTML(value=value, style=shared_style(w.HTML), layout=shared_layout(**layout))


def labelled(kind: type, description: str, **settings: Any) -> dict[str, Any]:
    """Keyword arguments for an input of ``kind`` whose label sits above it, with the shared style and layout."""
    return dict(description=description, style=shared_style(kind, **LABEL_STYLE), layout=shared_layout(**STACKED),
                **settings)
