"""The package's shape: import-linter's contracts (pyproject.toml), no import cycles between any two
modules, and batch mode that never loads a widget."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "helpers" / "securebase"


def _graph() -> grimp.ImportGraph:
    # Imports under `if TYPE_CHECKING:` are annotations only and never run.
    return grimp.build_graph("securebase", exclude_type_checking_imports=True)


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_no_import_cycles_between_modules():
    assert strongly_connected(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    class Graph:  # the smallest graph with a cycle, and a module outside it
        modules = {"a", "b", "c"}

        @staticmethod
        def find_modules_directly_imported_by(m):
            return {"a": {"b"}, "b": {"a"}, "c": {"a"}}[m]

    assert strongly_connected(Graph()) == [["a", "b"]]


def test_only_ui_imports_ipywidgets_even_inside_functions():
    graph = grimp.build_graph("securebase", include_external_packages=True, exclude_type_checking_imports=True)
    importers = graph.find_modules_that_directly_import("ipywidgets")
    assert importers and all(m.startswith("securebase.ui.") for m in importers), sorted(importers)


@pytest.mark.parametrize("program, phase", [("sie", "awareness"), ("asb", "awareness"), ("asb", "safe_disclosure")])
def test_batch_mode_loads_no_widgets(tmp_path, program, phase):
    """Every view a batch phase notebook can ask for, with no ipywidgets in the process afterwards."""
    code = (
        "import sys\n"
        "from securebase.notebook.workbook import Workbook\n"
        f"wb = Workbook({program!r}, {phase!r}, client_id='C-1001', store_path={str(tmp_path / 's.db')!r},"
        f" mode='batch', output_dir={str(tmp_path / 'out')!r})\n"
        "print(repr(wb.intro())); print(repr(wb.help()))\n"
        "for ex in wb.phase.exercises: wb.exercise(ex.id)\n"
        "for view in ('patterns', 'partner'):\n"
        "    try: print(repr(wb.view(view)))\n"
        "    except Exception as exc: print(type(exc).__name__, exc)\n"
        "print(repr(wb.summary()))\n"
        "assert 'ipywidgets' not in sys.modules, sorted(m for m in sys.modules if m.startswith('securebase'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_module_is_far_over_500_lines():
    """About 500 lines at most; the few above it say why in their docstring (a "Size:" line)."""
    too_long = []
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > 520 and "Size:" not in "\n".join(lines[:40]):
            too_long.append(f"{path.relative_to(PACKAGE)} ({len(lines)} lines)")
    assert not too_long
