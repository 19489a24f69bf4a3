"""Notebooks as declarative specs, and the one renderer that turns a spec into a notebook.

A :class:`NotebookSpec` says everything a generated notebook is: its title and intro, its
parameters (each with its type, default and help, written once), the facade object its first
code cell makes (``wb = Workbook("sie", "awareness", client_id=client_id, ...)``, built from the
parameters, so a parameter is never spelled a second time) and its sections, each a heading,
an optional paragraph and one call on the facade. :func:`render` writes the cells in that order:

1. the title and intro (markdown);
2. the parameters cell, tagged ``parameters`` for papermill, one typed and commented line each;
3. the facade cell;
4. per section a markdown heading and a code cell.

``tests/nbgen/test_specs.py`` checks every spec against its facade's signature, so a parameter the
facade does not take (or a facade argument the notebook never sets) fails the suite.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from securebase.nbgen.cells import ENGINE_KERNEL

SCAFFOLD = "scaffold"   # the tag of cells for JupyterLab only: the app's template leaves them out

BATCH_NOTE = "# Parameters. In batch runs papermill injects new values in a cell below this one."
_COMMENT_COLUMN = 32   # where the help comments start in the parameters cell
_LINE = 118            # the facade cell wraps its arguments to this width


@dataclass(frozen=True)
class Parameter:
    """One notebook parameter: a typed, commented line of the parameters cell."""

    name: str
    type: type
    default: Any
    help: str

    def with_help(self, help: str) -> "Parameter":
        return replace(self, help=help)

    def with_default(self, default: Any) -> "Parameter":
        return replace(self, default=default)

    def line(self) -> str:
        default = f'"{self.default}"' if isinstance(self.default, str) else repr(self.default)
        declaration = f"{self.name}: {self.type.__name__} = {default}"
        return f"{declaration.ljust(_COMMENT_COLUMN - 1)} # {self.help}"


@dataclass(frozen=True)
class Section:
    """A heading (with an optional paragraph under it) and one code cell, usually a facade call."""

    title: str
    code: str
    text: str = ""
    scaffold: bool = False    # the facade's widget shows the title itself: the app leaves the heading out

    def markdown(self) -> str:
        return f"### {self.title}" + (f"\n\n{self.text}" if self.text else "")


@dataclass(frozen=True)
class NotebookSpec:
    """Everything a generated notebook is. ``facade`` is ``"module:Class"``; the facade cell calls it
    with ``literals`` (content ids, written as strings) and then ``positional`` parameters, and
    every other parameter by keyword under its own name."""

    cell_prefix: str                      # stable cell ids: <prefix>-00, <prefix>-01, ...
    heading: str                          # the first markdown cell
    parameters: tuple[Parameter, ...]
    facade: str
    variable: str                         # the name the facade object gets in the notebook
    sections: tuple[Section, ...] = ()
    literals: tuple[str, ...] = ()
    positional: tuple[str, ...] = ()      # parameter names passed by position, after the literals
    first_call: str = ""                  # appended to the facade cell, e.g. "intro()" or "widget"
    opens_page: bool = False              # a client's page: made with ``Facade.open(...)``, which says why it cannot open
    title: str = ""                       # the page's title (the browser tab, the app's header)
    scaffold: str = ""                    # how to use it in JupyterLab: a markdown cell the app does not show
    heading_is_scaffold: bool = False     # the first cell (facade's intro repeats it) is not shown in the app either
    parameters_note: str = BATCH_NOTE

    @property
    def facade_module(self) -> str:
        return self.facade.partition(":")[0]

    @property
    def facade_name(self) -> str:
        return self.facade.partition(":")[2]

    def facade_object(self) -> Any:
        return getattr(importlib.import_module(self.facade_module), self.facade_name)

    def parameters_source(self) -> str:
        return "\n".join([self.parameters_note, *(p.line() for p in self.parameters)])

    def facade_source(self) -> str:
        names = {p.name for p in self.parameters}
        unknown = [n for n in self.positional if n not in names]
        if unknown:
            raise ValueError(f"{self.cell_prefix}: positional {unknown} are not parameters of the notebook")
        arguments = [f'"{value}"' for value in self.literals] + list(self.positional)
        arguments += [f"{p.name}={p.name}" for p in self.parameters if p.name not in self.positional]
        opening = f"{self.variable} = {self.facade_name}{'.open' if self.opens_page else ''}("
        lines, current = [], opening
        for i, argument in enumerate(arguments):
            piece = argument + ("," if i < len(arguments) - 1 else "")
            sep = "" if current == opening else " "
            if current != opening and len(current) + len(sep) + len(piece) + 1 > _LINE:
                lines.append(current)
                current, sep = " " * len(opening), ""
            current += sep + piece
        lines.append(current + ")")
        call = "\n".join(lines)
        tail = f"\n{self.variable}.{self.first_call}" if self.first_call else ""
        return f"from {self.facade_module} import {self.facade_name}\n\n{call}{tail}"


def render(spec: NotebookSpec) -> nbformat.NotebookNode:
    """The notebook of ``spec``: heading, parameters, facade, then each section."""
    scaffold = {"tags": [SCAFFOLD]}
    cells = [new_markdown_cell(spec.heading, metadata=scaffold if spec.heading_is_scaffold else {})]
    if spec.scaffold:
        cells.append(new_markdown_cell(spec.scaffold, metadata=scaffold))
    cells += [
        new_code_cell(spec.parameters_source(), metadata={"tags": ["parameters"]}),
        new_code_cell(spec.facade_source()),
    ]
    for section in spec.sections:
        cells += [new_markdown_cell(section.markdown(), metadata=scaffold if section.scaffold else {}),
                  new_code_cell(section.code)]
    metadata = {"kernelspec": ENGINE_KERNEL, "language_info": {"name": "python"}}
    if spec.title:
        metadata["title"] = f"{spec.title} · Secure Base"
    nb = new_notebook(cells=cells, metadata=metadata)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{spec.cell_prefix}-{i:02d}"  # stable ids keep diffs readable
    return nb


# ---------------------------------------------------------------- parameters several notebooks share

CLIENT_ID = Parameter("client_id", str, "demo-001", "pseudonymous client code such as C-7KQ2M9 (never a name)")
STORE_PATH = Parameter("store_path", str, "", "SQLite store file; empty means the default store in the Secure Base "
                                              "data folder")
MODE = Parameter("mode", str, "interactive", '"interactive" shows forms; "batch" reads answers_path and writes reports')
LANGUAGE = Parameter("language", str, "en", "interface language (a file in content/locales)")
