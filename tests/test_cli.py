import json

from securebase import config
from securebase.cli import EXIT_PARTIAL, main
from securebase.store import Store


def test_init_creates_store_in_data_dir(capsys):
    assert main(["init"]) == 0
    assert config.default_store_path().exists()
    assert "integrity: ok" in capsys.readouterr().out


def test_new_client_is_pseudonymous_and_registered(capsys):
    assert main(["new-client", "--program", "sie", "--start-date", "2026-03-01"]) == 0
    client_id = capsys.readouterr().out.strip()
    assert client_id.startswith("C-") and len(client_id) == 8
    with Store(config.default_store_path()) as store:
        client = store.get_client(client_id)
    assert client.program_id == "sie" and client.start_date.isoformat() == "2026-03-01"


def test_unknown_program_is_a_clear_error(capsys):
    assert main(["new-client", "--program", "nope"]) == 2
    assert "unknown program 'nope'" in capsys.readouterr().err


def test_run_executes_outside_the_repo_and_reports_partial(capsys):
    code = main(["run", "notebooks/sie/01_awareness.ipynb", "--client", "C-7001",
                 "--answers", "tests/fixtures/sie_awareness_answers.yaml"])
    captured = capsys.readouterr()
    assert code == EXIT_PARTIAL and "Entry 3 (insecurity_pattern_journal) not saved" in captured.err
    client_dir = config.client_dir("C-7001")
    executed = list((client_dir / "notebooks").glob("01_awareness-*.ipynb"))
    assert len(executed) == 1 and oct(executed[0].stat().st_mode & 0o777) == "0o600"
    summary = json.loads(next((client_dir / "reports").rglob("summary.json")).read_text())
    assert summary["import"]["saved"] == 5


def test_run_with_missing_answers_file(capsys):
    assert main(["run", "notebooks/sie/01_awareness.ipynb", "--client", "C-7002", "--answers", "nope.yaml"]) == 2
    assert "no answers file" in capsys.readouterr().err


def test_check_content(capsys):
    assert main(["check-content"]) == 0
    assert "content OK" in capsys.readouterr().out
