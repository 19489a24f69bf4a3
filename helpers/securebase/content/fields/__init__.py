"""Field types: the kinds of answer a workbook field can hold, one class each, registered by name.

A field's ``type`` in content is the name of a registered type, and ``spec.type`` is that type
(a :class:`FieldKind`). Everything that differs between kinds of answer is asked of it, never
switched on by name: the content it needs or refuses, cleaning an answer, the form widget, the
answer as text, its codebook entry and its rows in the research export, and what summaries do
with it (see :class:`FieldKind`).

The built-in types, by family:

==================  ==================================================
module              types
==================  ==================================================
:mod:`.text`        ``short_text``, ``long_text``, ``text_list``
:mod:`.numbers`     ``integer``, ``number``, ``rating``
:mod:`.choices`     ``choice``, ``multi_choice``, ``boolean``
:mod:`.when`        ``date``, ``time``
:mod:`.body_map`    ``body_map``
:mod:`.ranking`     ``ranking``
==================  ==================================================

To add a type, write a :class:`FieldKind` subclass in the module of its family and register it
there (``field_types.register("scale", Scale)``); nothing outside that module changes. Its test
goes in ``tests/content/test_fields.py``. A new family module is imported below, in the order
its types should be listed (the codebook and the export list them in registration order).

``FieldType`` is the registry under the name of the enum it replaced: ``FieldType.rating`` and
``for t in FieldType`` still work.
"""

from __future__ import annotations

from securebase.content.fields.base import (
    ExportRow, FieldKind, FieldProblem, FieldRegistry, FieldWidget, WidgetKit, choices_text, clean_text, field_types,
    one_line,
)
from securebase.content.fields import text, numbers, choices, when, body_map, ranking  # noqa: F401  (in this order)

FieldType = field_types

__all__ = [
    "ExportRow", "FieldKind", "FieldProblem", "FieldRegistry", "FieldType", "FieldWidget", "WidgetKit",
    "choices_text", "clean_text", "field_types", "one_line",
]
