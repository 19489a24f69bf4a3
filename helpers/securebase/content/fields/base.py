"""The field-type base class, the registry of field types, and what the types share.

A field type is one class, registered by name (:meth:`FieldRegistry.register`), that carries
everything the package knows about one kind of answer; callers ask the field's type instead of
switching on its name. See :mod:`securebase.content.fields` for the built-in types and for how to
add one.

Nothing here imports ipywidgets: a form hands the widget toolkit to :meth:`FieldKind.build_widget`
in a :class:`WidgetKit`, so a type owns its widget code while batch mode never loads a widget.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from securebase.content.checks import unique

if TYPE_CHECKING:
    from securebase.content.model import FieldSpec, Locale

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}\Z")
SCALAR_SHAPE = "entries_long: one row per entry"
_ALLOWED_CONTROLS = {"\n", "\t"}

# One row of ``entries_long`` for an answer: (position, key, value, value_num).
ExportRow = tuple[int | None, str | None, str, float | None]


class FieldProblem(ValueError):
    """One answer is not acceptable; the message is meant for the person filling the form. ``advice``,
    when given, says in plain words what to enter instead ("Enter a number from 20 to 240."): the form
    shows it under the field."""

    def __init__(self, message: str, advice: str | None = None):
        super().__init__(message)
        self.advice = advice


@dataclass(frozen=True)
class WidgetKit:
    """What a form gives a field type to build its widget with (see :meth:`FieldKind.build_widget`).

    Widgets that look alike share their layout and style (each is a model the page must send and build):
    ``style(kind, **settings)`` and ``layout(**settings)`` give the shared one. A field type changes
    neither; a part it shows and hides gets a layout of its own (``widgets.Layout``)."""

    widgets: Any                       # the ipywidgets module: only securebase.ui imports it, and passes it here
    label: str                         # the field's label as the form shows it (a required field's is marked)
    style: Callable[..., Any]          # style(kind, **settings): the style widgets of this class share
    layout: Callable[..., Any]         # layout(**settings): the layout widgets with these settings share
    label_style: Mapping[str, str]     # the style of a widget's own label (its description)
    stacked: Mapping[str, str]         # the layout of an input whose label sits above it

    def labelled(self, kind: Any) -> dict[str, Any]:
        """Keyword arguments for an input of ``kind`` (a widget class) that carries the field's label, the
        label above the input."""
        return dict(description=self.label, style=self.style(kind, **self.label_style), layout=self.layout(**self.stacked))


@dataclass
class FieldWidget:
    """The widgets a field type built for one field of a form."""

    control: Any                                        # the widget shown
    parts: dict[str, Any] = field(default_factory=dict)  # the value widgets inside it, if it is not one itself


class FieldKind(ABC):
    """One kind of answer a workbook field can hold, registered by name (its content ``type``).

    The class attributes say what the type is; the methods do what differs between types. A
    subclass must give :attr:`redcap_type` and implement :meth:`clean`, :meth:`build_widget` and
    :meth:`export_rows`; the other methods have defaults that fit a single scalar answer.
    """

    name: str = ""                                # set when registered: the ``type`` in content
    # what it is
    is_free_text: ClassVar[bool] = False          # free text: screened for safety, left out of default exports
    default_max_length: ClassVar[int | None] = None   # free text: the length limit when content sets no 'max_length'
    numeric: ClassVar[bool] = False               # a number: takes 'min'/'max'; group summaries show its mean
    has_choices: ClassVar[bool] = False           # needs at least two 'choices'
    list_like: ClassVar[bool] = False             # takes 'min_items'/'max_items'
    takes_trend: ClassVar[bool] = False           # takes 'trend' (a progress-trend tag)
    takes_suggestions: ClassVar[bool] = False     # takes 'suggestions' (starter texts)
    takes_rank_from: ClassVar[bool] = False       # takes 'rank_from' (the field whose picks it ranks)
    rated: ClassVar[bool] = False                 # its mean by day is a summary figure (phase summaries, handouts, trends)
    tallied: ClassVar[bool] = False               # phase summaries count how often each option was given
    poll_source: ClassVar[bool] = False           # a workshop poll may take its options from it
    # the codebook
    redcap_type: ClassVar[str]                    # REDCap "Field Type"
    redcap_validation: ClassVar[str] = ""         # REDCap "Text Validation Type"
    long_shape: ClassVar[str] = SCALAR_SHAPE      # how an answer appears in the long table

    @property
    def value(self) -> str:
        """The name, as content writes it (what ``FieldType.<name>.value`` was)."""
        return self.name

    def __repr__(self) -> str:
        return f"<field type {self.name!r} ({type(self).__name__})>"

    def __str__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return _registered, (self.name,)   # copies and pickles stay the one registered instance

    # ------------------------------------------------------------ content

    def check_spec(self, spec: FieldSpec) -> None:
        """Refuse what this type does not take and require what it needs (``ValueError``: a content error)."""
        self.check_bounds(spec)
        if spec.trend and not self.takes_trend:
            raise ValueError("'trend' only applies to rating fields")
        if spec.suggestions and not self.takes_suggestions:
            raise ValueError("'suggestions' only apply to text fields")
        if spec.rank_from and not self.takes_rank_from:
            raise ValueError("'rank_from' only applies to ranking fields")
        self.check_own(spec)
        if self.has_choices:
            if len(spec.choices) < 2:
                raise ValueError(f"a {self.name} field needs at least two 'choices'")
            unique([c.value for c in spec.choices], "choice value")
        elif spec.choices:
            raise ValueError(f"'choices' only apply to choice fields, not {self.name}")
        self.check_states(spec)
        if spec.max_length is not None and not self.is_free_text:
            raise ValueError("'max_length' only applies to free-text fields")
        if (spec.min_items is not None or spec.max_items is not None) and not self.list_like:
            raise ValueError("'min_items'/'max_items' only apply to list-like fields")
        if spec.min_items is not None and spec.max_items is not None and spec.min_items > spec.max_items:
            raise ValueError("'min_items' must not exceed 'max_items'")

    def check_bounds(self, spec: FieldSpec) -> None:
        """'min'/'max': refused unless the type is numeric; then 'min' must be below 'max'."""
        if not self.numeric:
            if spec.min is not None or spec.max is not None:
                raise ValueError(f"'min'/'max' only apply to numeric fields, not {self.name}")
        elif spec.min is not None and spec.max is not None and spec.min >= spec.max:
            raise ValueError(f"'min' ({spec.min:g}) must be below 'max' ({spec.max:g})")

    def check_own(self, spec: FieldSpec) -> None:
        """What this type needs beyond the common attributes (nothing by default)."""

    def check_states(self, spec: FieldSpec) -> None:
        """'states': refused unless the type needs them."""
        if spec.states:
            raise ValueError("'states' only apply to body_map fields")

    def check_in_exercise(self, spec: FieldSpec, fields: tuple[FieldSpec, ...]) -> None:
        """Checks against the other fields of the exercise (nothing by default)."""

    # ------------------------------------------------------------ answers

    @abstractmethod
    def clean(self, spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
        """The cleaned value of one non-empty answer, or :class:`FieldProblem`.

        ``partial`` is for checking while someone is still answering: a list that is not yet
        long enough is not a problem until the entry is saved.
        """

    def render(self, spec: FieldSpec, value: Any) -> str:
        """A non-empty answer as plain text (not escaped): option labels instead of values, lists joined."""
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    # ------------------------------------------------------------ forms

    @abstractmethod
    def build_widget(self, spec: FieldSpec, loc: Locale, kit: WidgetKit) -> FieldWidget:
        """The widgets for this field, built with ``kit.widgets`` (the ipywidgets module)."""

    def read_widget(self, spec: FieldSpec, built: FieldWidget) -> Any:
        """The raw answer as the person gave it (cleaning happens in :meth:`clean`)."""
        return built.control.value

    def fill_widget(self, spec: FieldSpec, built: FieldWidget, value: Any) -> None:
        """Show ``value`` (a stored answer, or ``None`` to clear)."""
        built.control.value = value

    def limit_widget(self, spec: FieldSpec, built: FieldWidget, loc: Locale, picked: list[str]) -> None:
        """Offer only ``picked`` (the answer of the field named by ``rank_from``)."""
        raise TypeError(f"a {self.name} field does not rank the picks of another field")

    # ------------------------------------------------------------ summaries

    def tally_label(self, spec: FieldSpec, value: str) -> str:
        """The label of one counted value in a phase summary."""
        return spec.choice_label(value)

    def group_options(self, spec: FieldSpec) -> list[tuple[Any, str]] | None:
        """The answers a group summary counts people for, as (value, label); ``None``: not counted."""
        return None

    # ------------------------------------------------------------ the codebook and the export

    def redcap_choices(self, spec: FieldSpec) -> list[tuple[Any, str]]:
        """REDCap's choices as (stored value, label)."""
        return [(c.value, c.label) for c in spec.choices]

    def anchors(self, spec: FieldSpec) -> tuple[tuple[float | None, str], ...]:
        """Labelled points of a scale, as (value, label), for the codebook's field note."""
        return ()

    def codebook_annotation(self, spec: FieldSpec) -> str:
        """What the codebook's field annotation says about this type (empty: nothing)."""
        return ""

    @abstractmethod
    def export_rows(self, spec: FieldSpec, value: Any, *, show_text: Callable[[str], str | None],
                    shift_date: Callable[[date], date]) -> list[ExportRow] | None:
        """One stored answer as rows of the long table.

        ``show_text`` gives what the export holds for a piece of free text (``None``: leave the
        answer out) and ``shift_date`` moves a date by the person's offset. ``[]`` means the
        answer is left out on purpose; ``None`` means it does not fit this type's shape and is
        left out for safety.
        """


class FieldRegistry:
    """Field types by name, in the order they were registered.

    ``field_types.register("rating", Rating)`` makes ``type: rating`` in content mean a
    ``Rating``. Attribute access gives a registered type, as the enum it replaces did
    (``FieldType.rating``), and iterating gives every type.
    """

    def __init__(self) -> None:
        self._types: dict[str, FieldKind] = {}

    def register(self, name: str, cls: type[FieldKind]) -> type[FieldKind]:
        """Register ``cls`` as field type ``name`` (one instance of it serves every field of that type)."""
        if not NAME.match(name):
            raise ValueError(f"field type name {name!r} must be lower case letters, digits and _, starting with a letter")
        if name in self._types:
            raise ValueError(f"field type {name!r} is already registered ({type(self._types[name]).__name__})")
        if not (isinstance(cls, type) and issubclass(cls, FieldKind)):
            raise TypeError(f"field type {name!r} must be a subclass of FieldKind, not {cls!r}")
        if not getattr(cls, "redcap_type", ""):
            raise TypeError(f"field type {name!r} ({cls.__name__}) gives no redcap_type")
        kind = cls()  # TypeError here when an abstract method is missing
        kind.name = name
        self._types[name] = kind
        return cls

    def unregister(self, name: str) -> None:
        """Forget field type ``name`` (for tests that register a type of their own)."""
        self.get(name)
        del self._types[name]

    def get(self, name: str) -> FieldKind:
        try:
            return self._types[name]
        except KeyError:
            raise KeyError(f"unknown field type {name!r}; the field types are: {', '.join(self._types)}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._types)

    def expected(self) -> str:
        """The names as pydantic lists the members of an enum: ``'a', 'b' or 'c'``."""
        quoted = [repr(n) for n in self._types]
        return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __iter__(self) -> Iterator[FieldKind]:
        return iter(list(self._types.values()))

    def __len__(self) -> int:
        return len(self._types)

    def __getattr__(self, name: str) -> FieldKind:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._types[name]
        except KeyError:
            raise AttributeError(f"unknown field type {name!r}; the field types are: {', '.join(self._types)}") from None


field_types = FieldRegistry()


def _registered(name: str) -> FieldKind:
    return field_types.get(name)


# ---------------------------------------------------------------- shared by the types


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, (list, tuple, set, dict)):
        return len(value) == 0
    return False


def describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def clean_text(value: Any, *, limit: int, multiline: bool) -> str:
    """Normalise free text and refuse what cannot be stored safely."""
    if not isinstance(value, str):
        raise FieldProblem(f"must be text, but got {type(value).__name__} {describe(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FieldProblem("contains characters that are not valid text; retype it rather than pasting it") from None
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    for position, ch in enumerate(text, start=1):
        if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS:
            raise FieldProblem(
                f"contains an invisible control character (U+{ord(ch):04X}) at position {position}; "
                "delete it and retype that part (it usually comes from pasting)"
            )
    if not multiline:
        text = re.sub(r"\s*\n\s*", " ", text)
    if len(text) > limit:
        raise FieldProblem(
            f"is {len(text):,} characters long; the limit is {limit:,}. Shorten it or split it into two entries"
        )
    return text


def choice_value(spec: FieldSpec, value: Any) -> str:
    """The value of the option ``value`` names (by value or by label, any case)."""
    if isinstance(value, str):
        wanted = value.strip()
        for c in spec.choices:
            if wanted == c.value or wanted.casefold() == c.label.casefold():
                return c.value
    options = ", ".join(c.value for c in spec.choices)
    raise FieldProblem(f"{describe(value)} is not one of the options ({options})")


def check_items(spec: FieldSpec, n: int, noun: str, partial: bool = False) -> None:
    if spec.min_items is not None and n < spec.min_items and not partial:
        raise FieldProblem(f"needs at least {spec.min_items} {noun}, but has {n}")
    if spec.max_items is not None and n > spec.max_items:
        raise FieldProblem(f"allows at most {spec.max_items} {noun}, but has {n}")


def one_line(text: str) -> str:
    """Text on one line, with no ``|`` (REDCap's choice separator)."""
    return " ".join(str(text).replace("|", "/").split())


def choices_text(choices: Iterable[tuple[Any, str]]) -> str:
    """REDCap's ``select_choices_or_calculations``: ``value, Label | value, Label``."""
    return " | ".join(f"{value}, {one_line(label)}" for value, label in choices)
