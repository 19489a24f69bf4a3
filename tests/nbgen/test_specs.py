"""Every generated notebook comes from one spec, and each spec agrees with the facade it calls:
the parameters it passes are the facade's, with the same types and defaults, and nothing the
facade needs is left out."""

from __future__ import annotations

import inspect
import typing

import papermill as pm
import pytest

from securebase import content
from securebase.content import scales
from securebase.nbgen.home import home_spec
from securebase.nbgen.intake import intake_spec
from securebase.nbgen.phase import phase_spec
from securebase.nbgen.progress import progress_spec
from securebase.nbgen.spec import NotebookSpec, Parameter, Section, render
from securebase.nbgen.workshop import workshop_spec


def all_specs() -> list[NotebookSpec]:
    specs = [phase_spec(p, ph) for p in content.programs().values() for ph in p.phases]
    specs += [progress_spec(p) for p in content.programs().values()]
    specs += [intake_spec(i) for i in scales.instruments().values()]
    return specs + [home_spec(), workshop_spec()]


def _check_against_facade(spec: NotebookSpec) -> list[str]:
    facade = spec.facade_object()
    signature = inspect.signature(facade)
    hints = typing.get_type_hints(facade.__init__)
    params = list(signature.parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    problems = []
    given = len(spec.literals) + len(spec.positional)
    if given > len(positional):
        problems.append(f"{spec.facade_name} takes {len(positional)} positional arguments, the notebook gives {given}")
    by_position = dict(zip(spec.positional, [p.name for p in positional[len(spec.literals):]]))
    passed = {p.name: by_position.get(p.name, p.name) for p in spec.parameters}
    for parameter in spec.parameters:
        name = passed[parameter.name]
        if name not in signature.parameters:
            problems.append(f"{spec.cell_prefix}: {spec.facade_name} has no parameter {name!r}")
            continue
        target = signature.parameters[name]
        hint = hints.get(name)
        if hint is not None and parameter.type not in (hint, *typing.get_args(hint)):
            problems.append(f"{spec.cell_prefix}: {name} is {parameter.type.__name__} in the notebook, {hint} in "
                            f"{spec.facade_name}")
        if target.default is not inspect.Parameter.empty and target.default != parameter.default:
            problems.append(f"{spec.cell_prefix}: {name} defaults to {parameter.default!r} in the notebook, "
                            f"{target.default!r} in {spec.facade_name}")
    covered = {p.name for p in positional[:len(spec.literals)]} | set(passed.values())
    for p in params:
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) \
                and p.name not in covered:
            problems.append(f"{spec.cell_prefix}: {spec.facade_name} needs {p.name!r}, which the notebook never sets")
    return problems


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: f"{s.facade_name}-{s.cell_prefix}")
def test_each_spec_matches_its_facade_signature(spec):
    assert _check_against_facade(spec) == []


def test_the_check_catches_a_parameter_the_facade_does_not_take():
    spec = phase_spec(content.program("sie"), content.program("sie").phases[0])
    typo = NotebookSpec(**{**spec.__dict__, "parameters": (*spec.parameters, Parameter("langauge", str, "en", "x"))})
    wrong_type = NotebookSpec(**{**spec.__dict__,
                                 "parameters": tuple(p if p.name != "mode" else Parameter("mode", int, 1, "x")
                                                     for p in spec.parameters)})
    missing = NotebookSpec(**{**spec.__dict__, "parameters": tuple(p for p in spec.parameters if p.name != "client_id")})
    assert _check_against_facade(typo) == ["awareness: Workbook has no parameter 'langauge'"]
    assert any("mode is int in the notebook" in p for p in _check_against_facade(wrong_type))
    assert _check_against_facade(missing) == ["awareness: Workbook needs 'client_id', which the notebook never sets"]
    other_default = NotebookSpec(**{**spec.__dict__, "parameters": tuple(
        p.with_default("fr") if p.name == "language" else p for p in spec.parameters)})
    assert _check_against_facade(other_default) == ["awareness: language defaults to 'fr' in the notebook, 'en' in Workbook"]


@pytest.mark.parametrize("spec", all_specs()[:1] + all_specs()[-2:], ids=lambda s: s.cell_prefix)
def test_papermill_sees_each_parameter_once_with_its_type_default_and_help(spec, tmp_path):
    import nbformat

    path = tmp_path / "nb.ipynb"
    nbformat.write(render(spec), path)
    declared = pm.inspect_notebook(str(path))
    assert list(declared) == [p.name for p in spec.parameters]
    for p in spec.parameters:
        assert declared[p.name]["inferred_type_name"] == p.type.__name__
        assert declared[p.name]["help"] == p.help
    facade_cell = render(spec).cells[2].source
    for p in spec.parameters:   # each parameter is spelled in the facade call once, by itself
        assert facade_cell.count(f"{p.name}={p.name}") + facade_cell.count(f"({p.name},") <= 1


def test_render_puts_sections_in_order_with_stable_ids():
    spec = NotebookSpec(cell_prefix="t", heading="# T", parameters=(Parameter("x", int, 1, "a number"),),
                        facade="securebase.nbgen.spec:Section", variable="s", literals=("Title", "code"),
                        sections=(Section("One", "s.markdown()", "Some text."), Section("Two", "print(x)")))
    nb = render(spec)
    assert [c.id for c in nb.cells] == [f"t-{i:02d}" for i in range(7)]
    assert nb.cells[1].source == "# Parameters. In batch runs papermill injects new values in a cell below this one.\n" \
                                 "x: int = 1                      # a number"
    assert nb.cells[2].source == 'from securebase.nbgen.spec import Section\n\ns = Section("Title", "code", x=x)'
    assert [c.source for c in nb.cells[3:]] == ["### One\n\nSome text.", "s.markdown()", "### Two", "print(x)"]
