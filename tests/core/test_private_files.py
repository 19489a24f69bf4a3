"""Everything Secure Base writes is owner-only (0600 files, 0700 folders), whatever the umask says.

A person's umask is usually 022, which makes new files readable by every local user. This test runs
the ordinary work of a clinician under that umask, kernels included (they inherit it): a workbook
in batch mode with its reports, the progress notebook and its hand-out, a research export, a backup,
and then walks the data folder and the export folders. Nothing may be open to the group or others.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from securebase import cli
from securebase.core import config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def open_umask():
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _open_to_others(folder: Path) -> list[str]:
    return [f"{oct(stat.S_IMODE(p.stat().st_mode))} {p}" for p in [folder, *folder.rglob("*")]
            if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) & 0o077]


def test_a_clinicians_day_leaves_nothing_readable_by_others(open_umask, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert cli.main(["init"]) == 0
    assert cli.main(["new-client", "--program", "sie", "--start-date", "2026-03-01"]) == 0
    client = capsys.readouterr().out.strip().splitlines()[-1]
    cli.main(["run", "notebooks/sie/01_awareness.ipynb", "--client", client,
              "--answers", "tests/fixtures/sie_awareness_answers.yaml"])
    assert cli.main(["run", "notebooks/sie/progress.ipynb", "--client", client, "-p", "today", "2026-03-10",
                     "-p", "handout_since", "2026-03-03"]) == 0
    assert cli.main(["consent", "give", client, "--kind", "research"]) == 0
    assert cli.main(["export", "--no-key"]) == 0                            # to <data>/exports/research-<time>
    assert cli.main(["export", "--out", str(tmp_path / "mine" / "export"), "--key-dir", str(tmp_path / "keys"),
                     "--format", "csv"]) == 0
    assert cli.main(["backup", str(tmp_path / "backups" / "store.sqlite3")]) == 0
    home = config.data_dir()
    written = sorted(p.relative_to(home).parts[0] for p in home.iterdir())
    assert {"clients", "exports"} <= set(written), written
    assert (config.client_dir(client) / "reports").is_dir()
    assert _open_to_others(home) == []
    for made in ("mine", "keys", "backups"):
        assert _open_to_others(tmp_path / made) == []


def test_folders_an_earlier_version_left_open_are_closed(open_umask):
    home = config.data_dir()
    (home / "clients" / "C-2222").mkdir(parents=True)
    os.chmod(home / "clients", 0o755)
    made = config.ensure_private_dir(config.client_dir("C-2222") / "reports" / "2026-03-10")
    assert made.is_dir()
    for folder in (home / "clients", home / "clients" / "C-2222", made.parent, made):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_a_folder_chosen_outside_the_data_folder_keeps_its_mode(open_umask, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    inner = config.ensure_private_dir(shared / "a" / "b")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755                   # not ours to change
    assert stat.S_IMODE((shared / "a").stat().st_mode) == 0o700 and stat.S_IMODE(inner.stat().st_mode) == 0o700
