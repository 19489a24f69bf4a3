from pathlib import Path

import pytest
import yaml

from securebase import content
from securebase.content import FieldType
from securebase.core.errors import ContentError


@pytest.fixture
def content_root(tmp_path, monkeypatch):
    """A private copy of content/ that a test can break."""
    root = tmp_path / "content"
    (root / "programs").mkdir(parents=True)
    (root / "locales").mkdir()
    real = Path(content.__file__).resolve().parents[3] / "content"
    for sub in ("programs", "locales"):
        for f in (real / sub).glob("*.yaml"):
            (root / sub / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("SECUREBASE_CONTENT", str(root))
    content.clear_cache()
    yield root
    content.clear_cache()


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_both_programs_load_with_all_phases():
    sie = content.program("sie")
    assert [p.id for p in sie.phases] == ["awareness", "acceptance", "restructuring", "values_action", "integration"]
    assert [(p.window.start, p.window.end) for p in sie.phases] == [(1, 7), (8, 14), (15, 21), (22, 45), (46, None)]
    asb = content.program("asb")
    assert asb.window_unit == "weeks"
    assert [(p.window.start, p.window.end) for p in asb.phases] == [(1, 2), (3, 3), (4, 6), (7, None)]


def test_step_one_has_the_journal_and_twice_daily_scan(sie):
    awareness = sie.phase("awareness")
    journal = awareness.exercise("insecurity_pattern_journal")
    ids = [f.id for f in journal.fields]
    for needed in ("trigger", "emotions", "body_sensations", "automatic_thoughts", "behaviour",
                   "short_term_outcome", "long_term_cost", "intensity"):
        assert needed in ids
    intensity = journal.field("intensity")
    assert (intensity.type, intensity.min, intensity.max) == (FieldType.rating, 0, 10)
    scan = awareness.exercise("signal_scan")
    assert scan.schedule.frequency == "twice_daily" and scan.schedule.per_day == 2
    assert scan.field("body_signals").type is FieldType.body_map
    assert {s.value for s in scan.field("body_signals").states} == {"threat", "safety"}


def test_window_lookup(sie):
    assert sie.phase("values_action").window.contains(45)
    assert not sie.phase("values_action").window.contains(46)
    assert sie.phase("integration").window.contains(400)


def test_error_names_file_path_and_problem(content_root):
    path = content_root / "programs" / "sie.yaml"
    _edit(path, lambda d: d["phases"][0]["exercises"][0]["fields"][-1].update({"max": -1}))
    with pytest.raises(ContentError) as err:
        content.programs()
    message = str(err.value)
    assert str(path) in message
    assert "phases[0] (awareness).exercises[0] (insecurity_pattern_journal).fields[" in message
    assert "'min' (0) must be below 'max' (-1)" in message


def test_yaml_syntax_error_gives_line(content_root):
    path = content_root / "programs" / "asb.yaml"
    path.write_text("id: asb\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        content.programs()
    assert str(path) in str(err.value) and "line" in str(err.value) and "not valid YAML" in str(err.value)


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d["phases"][1]["window"].update({"start": 9}), "windows must follow on"),
        (lambda d: d["phases"][0]["exercises"].append(d["phases"][0]["exercises"][0]), "duplicate exercise id"),
        (lambda d: d["phases"][0]["exercises"][0]["fields"][0].update({"type": "essay"}), "Input should be"),
        (lambda d: d["phases"][0]["exercises"][0]["fields"][0].update({"colour": "red"}), "Extra inputs are not permitted"),
        (lambda d: d["phases"][0]["exercises"][0]["fields"][1].update({"choices": []}), "at least two 'choices'"),
        (lambda d: d["phases"][0].update({"number": 3}), "expected 1"),
        (lambda d: d.update({"version": "one"}), "String should match pattern"),
    ],
)
def test_schema_rejects_bad_content(content_root, change, expected):
    _edit(content_root / "programs" / "sie.yaml", change)
    with pytest.raises(ContentError) as err:
        content.programs()
    assert expected in str(err.value)


def test_duplicate_program_id_across_files(content_root):
    src = content_root / "programs" / "sie.yaml"
    (content_root / "programs" / "zz_copy.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ContentError, match="already used by another file"):
        content.programs()


def test_unknown_program_and_phase_are_clear(sie):
    with pytest.raises(KeyError, match="known programs: asb, sie"):
        content.program("nope")
    with pytest.raises(KeyError, match="it has: awareness, acceptance"):
        sie.phase("nope")


def test_locale_strings_and_missing_locale(content_root):
    loc = content.locale("en")
    assert "{count}" not in loc.text("not_saved", count=2)
    with pytest.raises(KeyError, match="no string"):
        loc.text("no_such_key")
    with pytest.raises(ContentError, match="no such locale; available: en"):
        content.locale("fr")


def test_content_text_is_the_projects_own(sie):
    """Guard against pasting the source: no 12-word run of the source may appear in content."""
    source = Path("/work/shared/program-sources")
    if not source.exists():
        pytest.skip("program sources are not on this machine")
    import re

    def words(text):
        return re.findall(r"[a-z']+", text.lower())

    ngrams = set()
    for f in source.glob("*.txt"):
        w = words(f.read_text(encoding="utf-8"))
        ngrams |= {tuple(w[i:i + 12]) for i in range(len(w) - 11)}
    real = Path(content.__file__).resolve().parents[3] / "content" / "programs"
    for f in real.glob("*.yaml"):
        w = words(f.read_text(encoding="utf-8"))
        copied = [" ".join(w[i:i + 12]) for i in range(len(w) - 11) if tuple(w[i:i + 12]) in ngrams]
        assert not copied, f"{f.name} copies the source: {copied[:2]}"


def test_reserved_field_ids_are_refused(content_root):
    _edit(content_root / "programs" / "sie.yaml",
          lambda d: d["phases"][0]["exercises"][0]["fields"][0].update({"id": "revision"}))
    with pytest.raises(ContentError, match="reserved for entry metadata"):
        content.programs()
