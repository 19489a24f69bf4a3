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

To add a type, write a :class:`FieldKind` subclass and register it
(``field_types.register("scale", Scale)``) in one of these modules or in a new module of this
package: every module here is imported, so a new one needs no other change. Its test goes in
``tests/content/test_fields.py``.

``FieldType`` is the registry under the name of the enum it replaced: ``FieldType.rating`` and
``for t in FieldType`` still work.
"""

from __future__ import annotations

import importlib
import pkgutil

from securebase.content.fields.base import (
    ExportRow, FieldKind, FieldProblem, FieldRegistry, FieldWidget, WidgetKit, choices_text, clean_text, field_types,
    one_line,
)
from securebase.content.fields import text, numbers, choices, when, body_map, ranking  # noqa: F401  (in this order)

FieldType = field_types

_SEEN = {"base", "text", "numbers", "choices", "when", "body_map", "ranking"}
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in _SEEN and not _module.startswith("_"):
        importlib.import_module(f"{__name__}.{_module}")

__all__ = [
    "ExportRow", "FieldKind", "FieldProblem", "FieldRegistry", "FieldType", "FieldWidget", "WidgetKit",
    "choices_text", "clean_text", "field_types", "one_line",
]
