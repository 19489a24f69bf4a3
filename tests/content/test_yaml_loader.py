"""The content's YAML is read with libyaml's safe loader (about ten times sooner than PyYAML's own,
which was most of the time an app page took to run its notebook): the same data, the same plain errors."""

from __future__ import annotations

import pytest
import yaml

from securebase.content import loader
from securebase.core.errors import ContentError


def test_libyaml_reads_every_content_file_as_pyyaml_does():
    assert loader.SAFE_LOADER is yaml.CSafeLoader        # PyYAML's wheels have libyaml
    root = loader.content_dir()    # what a page reads (the safety corpus is read elsewhere, and is large)
    paths = sorted(p for folder in ("programs", "locales", "scales", "workshops") for p in (root / folder).rglob("*.yaml"))
    assert len(paths) >= 4
    for path in paths:
        assert loader.read_yaml(path) == yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader), path


def test_it_stays_safe_and_its_errors_stay_plain(tmp_path):
    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text("x: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(ContentError, match="not valid YAML"):
        loader.read_yaml(unsafe)
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1, 2\nb: 3\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"line \d+, column \d+"):
        loader.read_yaml(broken)
