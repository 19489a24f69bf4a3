"""E-mail of new safety flags through a local SMTP server (aiosmtpd on 127.0.0.1, a free port): ids
and categories only, an outbox that retries what failed, settings from the environment only, and a
save that is never disturbed."""

from __future__ import annotations

import pytest

from securebase.journal.entries import save_entry
from securebase.safety import mailer
from securebase.safety.flags import flags
from securebase.safety.mailer import NotifyConfigError, SmtpSettings, notify_new_flags, notify_soon, send_pending
from smtp_sink import free_port as _free_port, local_smtp, smtp_environment

DISCLOSURE = "Dear diary, Marianne said it again and I just wanted to kill myself tonight."
CLIENT_WORDS = ("Marianne", "diary", "kill", "myself", "tonight")


@pytest.fixture
def smtp_env(monkeypatch):
    with local_smtp() as sink:
        smtp_environment(monkeypatch, sink)
        yield sink


def _flagged(store, asb, client_id="C-8601", *, send_from_save=False, monkeypatch=None):
    """A flagged save. The save path's own background send is held back (so that each test decides
    when mail goes out) unless ``send_from_save``."""
    store.ensure_client(client_id, program_id="asb")
    with pytest.MonkeyPatch.context() as patch:
        if not send_from_save:
            patch.setattr("securebase.safety.mailer.notify_soon", lambda _store: None)
        save_entry(store, client_id, asb, "activation_journal", {"trigger": DISCLOSURE, "response": "withdraw",
                                                                 "intensity": 8})
    return flags(store, client_id)[-1]


def test_new_flags_go_to_every_recipient_with_ids_and_categories_only(store, asb, smtp_env):
    flag = _flagged(store, asb)
    report = notify_new_flags(store)
    assert (report.sent, report.failed, report.recipients) == (2, 0, 2)
    assert sorted(to[0] for _frm, to, _m in smtp_env.messages) == ["dr.a@clinic.example", "dr.b@clinic.example"]
    for sender, _to, message in smtp_env.messages:
        assert sender == "securebase@clinic.example"
        body = message.get_content()
        whole = message.as_string()
        assert "C-8601" in body and flag.flag_id in body and "self-harm or suicide" in body
        assert "Activation journal" not in whole                 # not even the exercise: ids and categories only
        for word in CLIENT_WORDS:
            assert word.lower() not in whole.lower(), word
    sent = store.notifications_sent("email")
    assert sent == {(flag.flag_id, "dr.a@clinic.example"), (flag.flag_id, "dr.b@clinic.example")}
    audit = [r for r in store.audit_log(client_id="C-8601") if r["action"] == "notify"]
    assert len(audit) == 2 and all(r["detail"] == {"channel": "email"} for r in audit)

    assert notify_new_flags(store).sent == 0 and len(smtp_env.messages) == 2    # each flag goes out once
    second = _flagged(store, asb, "C-8602")
    assert notify_new_flags(store).sent == 2
    assert all(second.flag_id in m.get_content() and flag.flag_id not in m.get_content()
               for _f, _t, m in smtp_env.messages[2:])


def test_a_refused_send_is_logged_without_client_text_and_retried(store, asb, smtp_env, caplog):
    flag = _flagged(store, asb)
    smtp_env.refuse = True
    with caplog.at_level("WARNING", logger="securebase.safety.mailer"):
        report = notify_new_flags(store)
    assert (report.sent, report.failed) == (0, 2) and store.notifications_sent("email") == set()
    assert "tried again" in caplog.text and all(w.lower() not in caplog.text.lower() for w in CLIENT_WORDS)
    smtp_env.refuse = False
    assert notify_new_flags(store).sent == 2 and len(store.notifications_sent("email")) == 2
    assert flag.flag_id in smtp_env.messages[0][2].get_content()


def test_an_unreachable_server_never_reaches_the_save(store, asb, monkeypatch, caplog):
    monkeypatch.setenv("SECUREBASE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SECUREBASE_SMTP_PORT", str(_free_port()))            # nobody listens there
    monkeypatch.setenv("SECUREBASE_SMTP_FROM", "securebase@clinic.example")
    monkeypatch.setenv("SECUREBASE_SMTP_TO", "dr.a@clinic.example")
    monkeypatch.setenv("SECUREBASE_SMTP_SECURITY", "none")
    _flagged(store, asb)
    with caplog.at_level("WARNING", logger="securebase.safety.mailer"):
        report = notify_new_flags(store)
    assert report.failed == 1 and report.sent == 0 and "cannot reach" in caplog.text
    monkeypatch.setenv("SECUREBASE_SMTP_SECURITY", "carrier-pigeon")
    assert notify_new_flags(store) is None                                  # a bad setting: logged, not raised
    assert "SECUREBASE_SMTP_SECURITY" in caplog.text


def test_nothing_happens_when_smtp_is_not_configured(store, asb, monkeypatch):
    for name in ("HOST", "PORT", "FROM", "TO", "SECURITY", "USER", "PASSWORD_FILE"):
        monkeypatch.delenv(f"SECUREBASE_SMTP_{name}", raising=False)
    _flagged(store, asb)
    assert SmtpSettings.from_env() is None
    assert notify_new_flags(store) is None and notify_soon(store) is None
    assert store.notifications_sent("email") == set()


def test_a_flagged_save_mails_the_clinician_in_the_background(store, asb, smtp_env):
    import threading

    flag = _flagged(store, asb, send_from_save=True)
    for thread in [t for t in threading.enumerate() if t.name == "securebase-safety-notify"]:
        thread.join(30)
    assert {(flag.flag_id, "dr.a@clinic.example"), (flag.flag_id, "dr.b@clinic.example")} == \
        store.notifications_sent("email")
    assert len(smtp_env.messages) == 2 and notify_new_flags(store).sent == 0


def test_the_save_path_sends_on_a_thread_of_its_own(store, asb, smtp_env):
    flag = _flagged(store, asb)
    thread = notify_soon(store)
    assert thread is not None and thread.daemon
    thread.join(30)
    assert not thread.is_alive()
    assert {(flag.flag_id, "dr.a@clinic.example"), (flag.flag_id, "dr.b@clinic.example")} == \
        store.notifications_sent("email")
    assert len(smtp_env.messages) == 2


def _env(**values):
    base = {"HOST": "smtp.clinic.example", "FROM": "securebase@clinic.example", "TO": "dr.a@clinic.example"}
    return {f"SECUREBASE_SMTP_{k}": v for k, v in {**base, **values}.items()}


def test_settings_have_defaults_and_name_what_is_wrong(tmp_path):
    settings = SmtpSettings.from_env(_env(TO="dr.a@clinic.example, dr.b@clinic.example,"))
    assert (settings.port, settings.security, settings.recipients) == (
        587, "starttls", ("dr.a@clinic.example", "dr.b@clinic.example"))
    assert SmtpSettings.from_env(_env(SECURITY="tls")).port == 465
    assert SmtpSettings.from_env(_env(SECURITY="none", PORT="2525")).port == 2525
    for values, problem in (
        ({"SECURITY": "ssl3"}, "SECUREBASE_SMTP_SECURITY is 'ssl3': use starttls, tls or none"),
        ({"PORT": "eighty"}, "SECUREBASE_SMTP_PORT is 'eighty'"),
        ({"PORT": "70000"}, "SECUREBASE_SMTP_PORT"),
        ({"FROM": ""}, "SECUREBASE_SMTP_FROM must be the sender's e-mail address"),
        ({"TO": ""}, "SECUREBASE_SMTP_TO is not set"),
        ({"TO": "dr.a@clinic.example; dr.b"}, "not an e-mail address"),
        ({"USER": "securebase"}, "SECUREBASE_SMTP_PASSWORD_FILE is not"),
    ):
        with pytest.raises(NotifyConfigError, match=problem):
            SmtpSettings.from_env(_env(**values))


def test_the_password_file_must_be_owner_only(tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret-pass\n")
    secret.chmod(0o644)
    with pytest.raises(NotifyConfigError, match="can be read by other people.*chmod 600"):
        SmtpSettings.from_env(_env(USER="securebase", PASSWORD_FILE=str(secret)))
    secret.chmod(0o600)
    settings = SmtpSettings.from_env(_env(USER="securebase", PASSWORD_FILE=str(secret)))
    assert settings.password == "s3cret-pass" and "s3cret" not in repr(settings)
    with pytest.raises(NotifyConfigError, match="cannot be read: check the path"):
        SmtpSettings.from_env(_env(USER="securebase", PASSWORD_FILE=str(tmp_path / "missing")))
    with pytest.raises(NotifyConfigError, match="not a file"):
        SmtpSettings.from_env(_env(USER="securebase", PASSWORD_FILE=str(tmp_path)))
    with pytest.raises(NotifyConfigError, match="unencrypted"):
        SmtpSettings.from_env(_env(USER="securebase", PASSWORD_FILE=str(secret), SECURITY="none"))


def test_the_message_is_built_from_ids_and_categories(store, asb):
    flag = _flagged(store, asb)
    settings = SmtpSettings("127.0.0.1", 25, "securebase@clinic.example", ("dr.a@clinic.example",), "none")
    message = mailer.build_message(settings, "dr.a@clinic.example", [flag])
    assert message["To"] == "dr.a@clinic.example" and "1 new safety flag" in message["Subject"]
    assert "C-8601" not in message["Subject"] and "C-8601" in message.get_content()
    assert all(word.lower() not in message.as_string().lower() for word in CLIENT_WORDS)


def test_send_pending_with_nothing_pending_does_not_connect(store, monkeypatch):
    def no_connection(_settings):
        raise AssertionError("connected with nothing to send")

    monkeypatch.setattr(mailer, "connect", no_connection)
    settings = SmtpSettings("127.0.0.1", 25, "securebase@clinic.example", ("dr.a@clinic.example",), "none")
    report = send_pending(store, settings)
    assert (report.sent, report.failed) == (0, 0) and "No new safety flags" in report.lines()[0]
