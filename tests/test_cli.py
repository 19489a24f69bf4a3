import json
import re
from datetime import date
from pathlib import Path

from securebase.core import config
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


def test_run_progress_notebook_with_extra_parameters(capsys):
    assert main(["new-client", "--program", "sie", "--start-date", "2026-03-01"]) == 0
    client_id = capsys.readouterr().out.strip()
    code = main(["run", "notebooks/sie/progress.ipynb", "--client", client_id, "-p", "today", "2026-03-10",
                 "-p", "handout_since", "2026-03-03", "-p", "clinician_note", "See you <Tuesday>."])
    out = capsys.readouterr().out
    assert code == 0 and "progress.html" in out
    handout = next((config.client_dir(client_id) / "reports").rglob("handout-2026-03-10/handout.html")).read_text()
    assert "See you &lt;Tuesday&gt;." in handout and "2026-03-03 to 2026-03-10" in handout


def test_run_refuses_a_parameter_the_notebook_does_not_have(capsys):
    code = main(["run", "notebooks/sie/progress.ipynb", "--client", "C-7003", "-p", "handout_sinse", "2026-03-03"])
    err = capsys.readouterr().err
    assert code == 2 and "has no parameter 'handout_sinse'" in err and "handout_since" in err


def test_run_refuses_answers_for_a_notebook_without_them(capsys, tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("entries: []\n")
    code = main(["run", "notebooks/sie/progress.ipynb", "--client", "C-7004", "--answers", str(answers)])
    assert code == 2 and "takes no answers file" in capsys.readouterr().err


def test_couple_commands(capsys, tmp_path):
    assert main(["couple", "new", "--start-date", "2026-03-02"]) == 0
    dyad_id, a, b = capsys.readouterr().out.split()
    a, b = a.removeprefix("A="), b.removeprefix("B=")
    assert dyad_id.startswith("D-") and a.startswith("C-") and b.startswith("C-")
    assert main(["couple", "show", a]) == 0 and dyad_id in capsys.readouterr().out
    assert main(["couple", "link", a, "C-9999"]) == 2
    assert "no client 'C-9999'" in capsys.readouterr().err
    assert main(["couple", "link", a]) == 2 and "couple link PARTNER_A PARTNER_B" in capsys.readouterr().err
    assert main(["couple", "export", "--out", str(tmp_path / "x"), "--layout", "pairwise"]) == 0
    assert "Left out: 1 couple(s) in which a partner's research consent is not in force" in capsys.readouterr().out
    for partner in (a, b):
        assert main(["consent", "give", partner, "--kind", "research"]) == 0
    capsys.readouterr()
    assert main(["couple", "export", "--out", str(tmp_path / "y"), "--layout", "pairwise"]) == 0
    assert capsys.readouterr().out.strip().endswith("couples_daily_pairwise.csv")
    assert main(["couple", "end", dyad_id]) == 0
    capsys.readouterr()
    assert main(["couple", "show", a]) == 0 and "not linked" in capsys.readouterr().out


def test_safety_list_and_clear(capsys):
    from securebase import content
    from securebase.journal.entries import save_entry

    with Store(config.default_store_path()) as store:
        store.ensure_client("C-8301", program_id="asb")
        save_entry(store, "C-8301", content.program("asb"), "activation_journal",
                   {"trigger": "I keep thinking about ending my life.", "response": "freeze", "intensity": 8})
    assert main(["safety", "list", "--open"]) == 0
    line = capsys.readouterr().out.strip()
    assert "C-8301" in line and "self-harm or suicide" in line and "OPEN" in line
    flag = line.split()[0]
    assert main(["safety", "clear", flag]) == 2 and "Say why" in capsys.readouterr().err
    assert main(["safety", "clear", flag, "--reason", "Seen the same day; crisis plan in place."]) == 0
    capsys.readouterr()
    assert main(["safety", "list", "--open"]) == 0 and "No safety flags." in capsys.readouterr().out


def test_safety_list_names_check_ins_nobody_answered_without_their_text(capsys):
    from securebase import content
    from securebase.journal.entries import save_entry

    with Store(config.default_store_path()) as store:
        store.ensure_client("C-8302", program_id="asb")
        save_entry(store, "C-8302", content.program("asb"), "activation_journal",
                   {"trigger": "I feel hopeless", "response": "freeze", "intensity": 6})
    assert main(["safety", "list"]) == 0
    out = capsys.readouterr().out
    assert "No safety flags." in out and "1 check-in question(s) nobody answered" in out
    assert "C-8302" in out and "self harm" in out and "I feel hopeless" not in out


def test_research_export_command(capsys, tmp_path):
    from securebase import content
    from securebase.journal.entries import save_entry

    with Store(config.default_store_path()) as store:
        store.ensure_client("C-8402", program_id="asb")
        save_entry(store, "C-8402", content.program("asb"), "daily_checkin",
                   {"connected": True, "minutes": 15, "felt_connected": 7, "note": "XMARKCLI private"})
    out, keys = tmp_path / "export", tmp_path / "keys"
    assert main(["export", "--out", str(tmp_path / "none"), "--no-key", "--k", "1"]) == 0   # no research consent yet
    assert json.loads((tmp_path / "none" / "manifest.json").read_text())["counts"]["people_without_research_consent"] == 1
    capsys.readouterr()
    assert main(["consent", "give", "C-8402", "--kind", "research", "--at", "2026-03-01 09:30"]) == 0
    assert "research consent given on 2026-03-01 (version 1.0, from the cli)" in capsys.readouterr().out
    assert main(["export", "--out", str(out)]) == 2 and "key" in capsys.readouterr().err
    assert main(["export", "--out", str(out), "--key-dir", str(out / "k")]) == 2
    assert "inside the export folder" in capsys.readouterr().err
    assert main(["export", "--out", str(out), "--key-dir", str(keys), "--format", "csv", "--k", "1"]) == 0
    printed = capsys.readouterr().out
    assert str(out / "entries_long.csv") in printed and "Key file" in printed and str(keys) in printed
    assert not (out / "entries_long.parquet").exists()
    text = "".join(p.read_text() for p in out.iterdir())
    assert "XMARKCLI" not in text and "C-8402" not in text
    assert json.loads((out / "manifest.json").read_text())["options"]["free_text"] == "removed"
    assert main(["export", "--out", str(tmp_path / "ids"), "--keep-ids", "--dates", "true", "--k", "1",
                 "--keep-text", "redact"]) == 0
    capsys.readouterr()
    long = (tmp_path / "ids" / "entries_long.csv").read_text()
    assert "C-8402" in long and "[redacted]" in long and "XMARKCLI" not in long
    assert date.today().isoformat() in long                              # true dates, as asked
    assert main(["export", "--no-key"]) == 0                             # the default folder is named by month only
    folder = Path(capsys.readouterr().out.splitlines()[0]).parent
    assert re.fullmatch(r"research-\d{4}-\d{2}-[0-9a-f]{6}", folder.name), folder.name


def test_couple_resume_lifts_a_pause_with_a_reason(capsys):
    assert main(["couple", "new", "--start-date", "2026-03-02"]) == 0
    dyad_id, a, _b = capsys.readouterr().out.split()
    a = a.removeprefix("A=")
    assert main(["couple", "resume", dyad_id, "--reason", "seen both"]) == 2
    assert "not paused" in capsys.readouterr().err
    with Store(config.default_store_path()) as store:
        store.add_entry(a, program_id="asb", phase_id="awareness", exercise_id="activation_journal",
                        content_version="1", data={}, occurred_at="2026-03-02T10:00:00",
                        safety_categories=("abuse_danger",))
    assert main(["couple", "show", dyad_id]) == 0
    assert "PAUSED since" in capsys.readouterr().out
    assert main(["couple", "resume", dyad_id]) == 2
    assert "why the shared features can start again" in capsys.readouterr().err
    assert main(["couple", "resume"]) == 2 and "couple resume DYAD --reason TEXT" in capsys.readouterr().err
    assert main(["couple", "resume", dyad_id, "--reason", "Saw both partners separately."]) == 0
    assert "pause lifted" in capsys.readouterr().out
    with Store(config.default_store_path()) as store:
        [pause] = store.couple_pauses()
        assert pause.reason == "Saw both partners separately." and not pause.open
    assert main(["couple", "show", dyad_id]) == 0 and "PAUSED" not in capsys.readouterr().out


def test_safety_ack_and_notify(capsys, monkeypatch):
    from securebase import content
    from securebase.journal.entries import save_entry
    from smtp_sink import local_smtp, smtp_environment

    with Store(config.default_store_path()) as store:
        store.ensure_client("C-8302", program_id="asb")
        save_entry(store, "C-8302", content.program("asb"), "activation_journal",
                   {"trigger": "I keep thinking about ending my life.", "response": "freeze", "intensity": 8})
    assert main(["safety", "list"]) == 0
    line = capsys.readouterr().out.strip()
    assert "OPEN, new" in line
    flag = line.split()[0]
    assert main(["safety", "ack"]) == 2 and "securebase safety ack FLAG" in capsys.readouterr().err
    assert main(["safety", "ack", "zzzzzzzz"]) == 2 and "no safety flag 'zzzzzzzz'" in capsys.readouterr().err
    assert main(["safety", "ack", flag]) == 0
    assert "Acknowledged flag" in capsys.readouterr().out
    assert main(["safety", "ack", flag]) == 2 and "already acknowledged" in capsys.readouterr().err
    assert main(["safety", "list", "--open"]) == 0 and "OPEN, acknowledged" in capsys.readouterr().out

    monkeypatch.delenv("SECUREBASE_SMTP_HOST", raising=False)
    assert main(["safety", "notify"]) == 2 and "e-mail is not set up" in capsys.readouterr().err
    with local_smtp() as sink:
        smtp_environment(monkeypatch, sink, to="dr.a@clinic.example")
        assert main(["safety", "notify"]) == 0
        assert "E-mailed 1 flag notification(s) to 1 recipient(s)." in capsys.readouterr().out
        assert main(["safety", "notify"]) == 0 and "No new safety flags" in capsys.readouterr().out
        assert len(sink.messages) == 1 and "ending my life" not in sink.messages[0][2].as_string()
        monkeypatch.setenv("SECUREBASE_SMTP_SECURITY", "plain")
        assert main(["safety", "notify"]) == 2 and "use starttls, tls or none" in capsys.readouterr().err


def test_homework_from_the_command_line(capsys, monkeypatch, tmp_path):
    from icalendar import Calendar

    from smtp_sink import local_smtp

    monkeypatch.setenv("SECUREBASE_TODAY", "2026-11-02")
    monkeypatch.setenv("SECUREBASE_PUBLIC_URL", "https://clinic.example/")
    with Store(config.default_store_path()) as store:
        store.ensure_client("C-HW01", program_id="sie")
    capsys.readouterr()
    assert main(["homework", "assign", "C-HW01", "signal_scan", "--frequency", "twice_daily", "--until",
                 "2026-11-20", "--times", "07:00,19:00"]) == 0
    assert "twice a day at 07:00, 19:00, from 2026-11-02 to 2026-11-20" in capsys.readouterr().out
    assert main(["homework", "assign", "C-HW01", "signal_scan", "--until", "20-11-2026"]) == 2
    assert "write it as YYYY-MM-DD" in capsys.readouterr().err
    assert main(["homework", "list"]) == 2 and "takes 1" in capsys.readouterr().err
    assert main(["homework", "list", "C-HW01"]) == 0
    assignment = capsys.readouterr().out.split()[0]
    assert main(["homework", "feed", "C-HW01"]) == 0
    address = next(w for w in capsys.readouterr().out.split() if w.startswith("https://"))
    assert address.startswith("https://clinic.example/services/securebase/calendar/") and address.endswith(".ics")
    out = tmp_path / "feed.ics"
    assert main(["homework", "calendar", "C-HW01", "--out", str(out)]) == 0
    assert len(Calendar.from_ical(out.read_bytes()).walk("VEVENT")) == 2 and (out.stat().st_mode & 0o077) == 0
    assert main(["homework", "revoke-feed", "C-HW01"]) == 0 and "Revoked 1" in capsys.readouterr().out
    assert main(["homework", "reminders", "C-HW01", "--email", "hw@home.example", "--time-zone", "UTC"]) == 0
    assert main(["homework", "remind"]) == 2 and "not set up" in capsys.readouterr().err
    with local_smtp() as sink:
        for name, value in (("HOST", "127.0.0.1"), ("PORT", str(sink.port)), ("FROM", "sb@clinic.example"),
                            ("SECURITY", "none")):
            monkeypatch.setenv(f"SECUREBASE_SMTP_{name}", value)
        assert main(["homework", "remind"]) == 0   # the real clock: what is due is tested in tests/homework
    assert capsys.readouterr().out.startswith(f"Sent {len(sink.messages)} reminder(s)")
    assert main(["homework", "end", assignment, "--last-day", "2026-11-05"]) == 0
    assert "its last day is 2026-11-05" in capsys.readouterr().out
