"""Program content (``content/`` at the top of the repository): the schema and its loader.

``from securebase import content`` gives both: ``content.program("sie")``, ``content.locale()``,
``content.Exercise``. Scales live in :mod:`securebase.content.scales`.
"""

from securebase.content.loader import (
    clear_cache,
    content_dir,
    exercises_with,
    format_location,
    load_language_file,
    load_locale_file,
    load_program_file,
    locale,
    program,
    programs,
    read_yaml,
    validate,
)
from securebase.content.fields import FieldKind, FieldType, field_types
from securebase.content.model import (
    RESERVED_FIELD_IDS,
    Choice,
    Exercise,
    FieldSpec,
    Identifier,
    Locale,
    Model,
    Phase,
    Program,
    Schedule,
    Step,
    Text,
    Window,
    unique,
)

__all__ = [
    "RESERVED_FIELD_IDS", "Choice", "Exercise", "FieldKind", "FieldSpec", "FieldType", "Identifier",
    "Locale", "Model", "Phase", "Program", "Schedule", "Step", "Text", "Window", "clear_cache", "content_dir",
    "exercises_with", "field_types", "format_location", "load_language_file", "load_locale_file", "load_program_file",
    "locale", "program", "programs", "read_yaml", "unique", "validate",
]
