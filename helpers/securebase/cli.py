"""The ``securebase`` command.

Size: every command and its arguments are declared here, in one parser, so that they read as one list.

    securebase init [--start-empty]      create the store (default location or --store); --start-empty
                                         begins again where a store was lost (what is left is set aside)
    securebase backup [FILE] [--keep N] [--plain]
                                         an encrypted copy of the store, taken while it is in use (the
                                         key: OS keyring or SECUREBASE_KEY_FILE); without FILE into
                                         <data>/backups, keeping the newest N
    securebase backup verify FILE | restore FILE
                                         check a backup in full (integrity, identity, audit chain), or
                                         put it in place (what was there is set aside, not deleted)
    securebase restore FILE              put a plain or encrypted backup in place
    securebase audit verify              check the audit log's hash chain; report the first break
    securebase users add NAME --role clinician|supervisor|researcher|client [--client C-XXXX] [--clinician NAME]
    securebase users list | disable NAME | assign NAME --clinician NAME | unassign NAME --clinician NAME
                                         a clinic's PostgreSQL store: each person's own login role
                                         (sb_NAME), a client's clinicians, a supervisor's clinicians
    securebase db upgrade                bring a store made by an older Secure Base up to date (a
                                         SQLite store is backed up first); db current shows its revision
    securebase erase-client CLIENT --reason TEXT
                                         every row of the client, in one transaction, wiped from the files;
                                         the audit says an erasure happened, without the client's code
    securebase retention [--years N] [--apply --reason TEXT]
                                         clients archived more than N years ago ($SECUREBASE_RETENTION_YEARS):
                                         listed (a dry run), or erased with --apply
    securebase consent give|withdraw CLIENT --kind treatment|research [--at TIME] | show CLIENT
                                         a client's consent, as records against the texts in content/consent;
                                         the research export takes only clients whose research consent is current
    securebase homework assign CLIENT EXERCISE --frequency daily|twice_daily|weekly --until DATE
                        [--from DATE] [--times 08:00,20:00]
    securebase homework list CLIENT | end ASSIGNMENT [--last-day DATE]
                                         homework a clinician sets between sessions
    securebase homework feed CLIENT | revoke-feed CLIENT | calendar CLIENT [--out FILE]
                                         the client's private calendar feed: a new secret address,
                                         revoke every address, or the feed as a file
    securebase homework reminders CLIENT [--email ADDRESS] [--time-zone ZONE] | remind
                                         where a client's reminders go; send the ones due now
                                         (SECUREBASE_SMTP_* settings; no client text in any e-mail)
    securebase hub setup [--ip IP] [--port 8000] [--public-url URL] [--ssl-cert F --ssl-key F]
    securebase hub run | status          the clinic server (JupyterHub, as root): set it up on this
                                         machine's PostgreSQL, run it, check each part of it
    securebase users password NAME       a new one-time password (clinic server; --role admin|facilitator too)
    securebase new-client [--program P]  make a pseudonymous client code and register it
    securebase run NOTEBOOK --client ID --answers FILE
                                         run a workbook in batch mode; the executed notebook and
                                         reports go to the client's folder in the data directory
    securebase workspace                 copy the workbooks into the data directory for JupyterLab
    securebase start                     init + workspace + JupyterLab on 127.0.0.1
    securebase app [--port 8866]         init + workspace + the workbooks as an app (Voila) on
                                         127.0.0.1, opened at the clinician's home page
    securebase couple new|link|show|end|export
                                         couples mode: link two clients, see their link and
                                         protocol, end a link, export the couples' diary
    securebase couple resume DYAD --reason TEXT
                                         lift a couple's pause (after an abuse-or-danger flag)
    securebase safety list [--client ID] [--open]
    securebase safety ack FLAG
    securebase safety clear FLAG --reason TEXT
    securebase safety notify
                                         safety flags: see them, acknowledge one (it leaves the top of
                                         your home page), clear one with a reason, e-mail new ones
                                         (SECUREBASE_SMTP_* settings; ids and categories only)
    securebase export --out DIR --key-dir DIR [--program P] [--keep-text none|redact|length]
                      [--keep-ids] [--keep-identifiers] [--dates days|shifted|true] [--format csv,parquet,sav,dta,rds]
                      [--redcap-names] [--k K] [--fhir]
                                         research export: de-identified long tables, codebook,
                                         data package and manifest; the key file goes elsewhere
    securebase roster ROSTER.csv         check a workshop roster and list its groups
    securebase batch --roster ROSTER.csv --notebook NOTEBOOK --out DIR [--workers N] [--timeout S]
                     [--executor local|dask] [--scheduler ADDRESS] [-p NAME VALUE] [--pdf] [--force]
                                         one workbook per participant, in parallel; finished rows
                                         are skipped on a second run
    securebase batch --roster ROSTER.csv --accounts --facilitator NAME [--out SHEET.csv]
                                         on the clinic server: each participant's sign-in instead
    securebase collect --roster ROSTER.csv [--from DIR] [--group G] [--summary-dir DIR] [--k 5]
                                         bring returned workbooks into the store and write each
                                         group's summary (small counts suppressed, no free text)
    securebase check-content             validate everything under content/
    securebase notebooks [--execute]     regenerate notebooks/ from content (maintainers)
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from securebase.core import config
from securebase.core.errors import SecureBaseError

EXIT_PARTIAL = 3  # batch ran, but some entries were rejected


RETENTION_ENV = "SECUREBASE_RETENTION_YEARS"


def _store(args: argparse.Namespace):
    from securebase.store import Store

    return Store(config.resolve_store(getattr(args, "store", "") or ""))


def cmd_init(args: argparse.Namespace) -> int:
    if getattr(args, "start_empty", False):   # app and start run init too
        from securebase.core.errors import StoreError
        from securebase.store.upkeep import start_empty

        try:
            _store(args).close()
        except StoreError:   # lost or damaged: what is left of it is set aside
            for path in start_empty(config.store_file(args.store or "")):
                print(f"Set aside: {path}")
        else:
            raise StoreError("The store opens whole; --start-empty is only for a store that was lost. Nothing was "
                             "changed.")
    store = _store(args)
    print(f"Secure Base store ready: {store.where} (integrity: {store.integrity_check()})")
    store.close()
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from securebase.core import keys
    from securebase.core.errors import StoreError
    from securebase.store import backups

    words = list(args.args)
    if words[:1] == ["verify"] and len(words) == 2:
        found = backups.verify(words[1])
        print(f"Backup {found.path} is sound: {'encrypted, ' if found.encrypted else 'not encrypted, '}integrity ok, "
              f"{found.clients} client(s), audit chain intact over {found.audit_rows} row(s).")
        return 0
    if words[:1] == ["restore"] and len(words) == 2:
        path, aside = backups.restore(words[1], config.store_file(args.store or ""))
        for moved in aside:
            print(f"Set aside: {moved}")
        with _store(args) as store:
            print(f"Restored {words[1]} as the store {path} (integrity: {store.integrity_check()})")
        return 0
    if len(words) > 1 or words[:1] in (["verify"], ["restore"]):
        raise StoreError("Use `securebase backup [FILE]`, `securebase backup verify FILE` or "
                         "`securebase backup restore FILE`.")
    with _store(args) as store:
        if store.path is None:
            raise StoreError("A PostgreSQL store is backed up by the clinic's database backups (pg_dump, see the "
                             "README), not by `securebase backup`.")
        folder = backups.backups_dir()
        dest = Path(words[0]).expanduser() if words else backups.default_name(config.ensure_private_dir(folder))
        written = store.backup(dest) if args.plain else backups.encrypted_backup(store.path, dest)
    print(f"Backup written: {written}" + ("" if args.plain else f" (encrypted; the key is in {keys.where()}: keep "
                                                                 "a copy of it apart from the backups)"))
    if not words:
        for old in backups.rotate(folder, args.keep):
            print(f"Removed an old backup: {old}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from securebase.store.auditchain import verify_file

    where = config.resolve_store(args.store or "")
    if isinstance(where, str):   # PostgreSQL
        with _store(args) as store:
            report = store.verify_audit()
    else:
        report = verify_file(where)   # read-only: also when the store will not open
    if report.intact:
        print(f"Audit chain intact: {report.rows} audit row(s) checked.")
        return 0
    print(f"Audit chain broken at audit row {report.first_break}: {report.reason}. Rows before it are as they were "
          "written; compare this store with a backup from before that row.", file=sys.stderr)
    return 1


def cmd_db(args: argparse.Namespace) -> int:
    from securebase.store import Store, migrate

    upgrade = args.action == "upgrade"
    try:
        store = Store(config.resolve_store(args.store or ""), upgrade=upgrade)
    except migrate.OutdatedStoreError as exc:   # db current, on an older store
        print(str(exc).replace(" and must be upgraded before it is used", ""), file=sys.stderr)
        return 1
    with store:
        if store.upgraded_from is not None:
            print(f"Backup taken first: {store.upgrade_backup}")
            print(f"Upgraded the store {store.where} from schema {store.upgraded_from} to revision {migrate.HEAD}.")
        else:
            print(f"The store {store.where} is up to date (revision {migrate.HEAD}).")
    return 0


def _hub_side():
    """The clinic server's accounts, when this machine runs one (and this is root); else None."""
    from securebase.hub.settings import HubSettings

    return HubSettings.load() if HubSettings.exists() and os.geteuid() == 0 else None


def _users_on_hub(args: argparse.Namespace, hub) -> int | None:
    """The parts of `securebase users` that only the clinic server has (admins, passwords, second factors)."""
    from securebase.hub import accounts, twofactor

    if args.action in ("password", "two-factor"):
        system = accounts.system_name(args.name)
        if accounts.role_of(system) is None:
            raise ValueError(f"{args.name} has no sign-in on this clinic server.")
        if args.action == "password":
            print(_sign_in_text(hub, args.name, accounts.temporary_password(system)))
        elif args.remove:
            print(f"{args.name} now signs in with the password alone." if twofactor.remove(system) else
                  f"{args.name} had no second factor.")
        else:
            print("\n".join(twofactor.enrol(system, args.name).lines(args.name)))
        return 0
    if args.role == "admin" and args.action == "add":
        _new_sign_in(hub, args.name, accounts.create(args.name, "admin"))
        return 0
    return None


def _new_sign_in(hub, name: str, system: str) -> None:
    """Print a new person's one-time password (and their second factor, when the clinic gives everyone one)."""
    from securebase.hub import accounts, twofactor

    print(_sign_in_text(hub, name, accounts.temporary_password(system)))
    if hub.two_factor:
        print("\n".join(twofactor.enrol(system, name).lines(name)))


def _sign_in_text(hub, name: str, password: str) -> str:
    from securebase.hub.accounts import TEMPORARY_DAYS

    return (f"Sign-in for {name} (give it to them in person; shown once, for {TEMPORARY_DAYS} days):\n"
            f"    address:  {hub.address}/hub/login\n    user:     {name}\n    password: {password}\n"
            "They choose their own password when they first sign in.")


def cmd_users(args: argparse.Namespace) -> int:
    hub = _hub_side()
    if args.action in ("password", "two-factor") or args.role == "admin":
        if hub is None:
            raise ValueError("Passwords, second factors and admin accounts belong to a clinic server: run this as root (sudo) on "
                             "the machine `securebase hub setup` set up.")
        if not args.name:
            raise ValueError(f"securebase users {args.action} needs a person's NAME.")
        return _users_on_hub(args, hub) or 0
    with _store(args) as store:
        if args.action == "list":
            people = store.people()
            if not people:
                print("No people yet: add them with `securebase users add NAME --role ROLE`.")
            for p in people:
                linked = ", ".join(p.clinicians) or "-"
                print(f"{p.name:<20} {p.kind:<11} {p.db_role:<24} {p.client_id or '-':<10} "
                      f"{'clinicians' if p.kind != 'supervisor' else 'supervises'}: {linked}"
                      f"{'  (disabled)' if p.disabled else ''}")
            return 0
        if not args.name:
            raise ValueError(f"securebase users {args.action} needs a person's NAME.")
        if args.action == "add":
            if not args.role:
                raise ValueError("Give the person's role: --role clinician|supervisor|researcher|client.")
            kind = "clinician" if args.role == "facilitator" else args.role   # a facilitator's groups are a caseload
            person = store.add_person(args.name, kind, client_id=args.client or None, clinicians=args.clinician)
            print(f"Added {person.name} ({args.role}), who logs in as the database role {person.db_role}.")
            if hub is not None:
                from securebase.hub import accounts

                try:
                    system = accounts.create(args.name, args.role)
                except Exception:
                    store.disable_person(args.name)   # no half-made person: no login without a system user
                    raise
                _new_sign_in(hub, args.name, system)
        elif args.action in ("assign", "unassign"):
            if not args.clinician:
                raise ValueError("Name the clinician: --clinician NAME.")
            for clinician in args.clinician:
                store.assign_person(args.name, clinician, remove=args.action == "unassign")
            print(f"{args.name} is {'now' if args.action == 'assign' else 'no longer'} assigned to "
                  f"{', '.join(args.clinician)}.")
        else:
            newly = store.disable_person(args.name)
            if hub is not None:
                from securebase.hub import accounts
                from securebase.hub.launch import end_hub_login

                accounts.lock(accounts.system_name(args.name))
                if not end_hub_login(hub, args.name):
                    print("The clinic server is not running; their sign-in is locked for when it starts.")
            print(f"{args.name} can no longer log in; their records are kept." if newly else
                  f"{args.name} was already disabled.")
    return 0


_HOMEWORK_ARITY = {"assign": 2, "list": 1, "end": 1, "feed": 1, "revoke-feed": 1, "calendar": 1, "reminders": 1,
                   "remind": 0}


def _day_arg(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a date: write it as YYYY-MM-DD, for example 2027-01-31.") from None


def cmd_erase_client(args: argparse.Namespace) -> int:
    with _store(args) as store:
        done = store.erase_client(args.client, reason=args.reason)
    print(f"Erased {args.client}: {done.total} row(s) removed, {done.audit_rows_redacted} audit row(s) redacted, "
          f"freed pages wiped ({', '.join(done.wiped)}).")
    if done.partner_left:
        print("They were in a couple: the link and its shared protocol are gone; the partner's own record stays.")
    print("Backups made before this still hold the client until they are rotated out; see the README.")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta, timezone

    from securebase.core.errors import SecureBaseError

    years = args.years if args.years is not None else os.environ.get(RETENTION_ENV, "").strip()
    try:
        years = int(years)
        if years < 1:
            raise ValueError
    except ValueError:
        raise SecureBaseError(f"Say after how many years a closed (archived) client is erased: --years N or "
                              f"{RETENTION_ENV}=N (a whole number, 1 or more).") from None
    cutoff = datetime.now(timezone.utc) - timedelta(days=round(365.25 * years))
    with _store(args) as store:
        due = store.closed_clients(cutoff.isoformat())
        if not args.apply:
            print(f"Retention: clients archived more than {years} year(s) ago (before {cutoff:%Y-%m-%d}): {len(due)}")
            for client_id, at in due:
                print(f"  {client_id}  archived {at[:10]}")
            if due:
                print("Nothing was erased (a dry run). Run again with --apply --reason TEXT to erase them.")
            return 0
        for client_id, _at in due:
            done = store.erase_client(client_id, reason=args.reason or f"retention: closed for {years} years")
            print(f"Erased {client_id}: {done.total} row(s) removed, {done.audit_rows_redacted} audit row(s) redacted")
    print(f"Retention: {len(due)} client(s) erased.")
    return 0


def cmd_consent(args: argparse.Namespace) -> int:
    from securebase.intake import consent

    with _store(args) as store:
        if args.action in ("give", "withdraw"):
            if not args.kind:
                raise consent.ConsentError("Say which consent: --kind treatment or --kind research.")
            done = consent.record(store, args.client, args.kind, args.action, via="cli", at=args.at or None)
            print(f"{args.client}: {done.kind} consent {done.describe()}")
            return 0
        for kind, found in consent.status(store, args.client).items():
            print(f"{args.client}: {kind} consent {found.describe()}{'' if found.current else ' (not current)'}")
    return 0


def cmd_homework(args: argparse.Namespace) -> int:
    from securebase import content, homework
    from securebase.core.clock import today
    from securebase.homework import calendar, reminders

    ids = args.ids
    if len(ids) != _HOMEWORK_ARITY[args.action]:
        raise ValueError(f"securebase homework {args.action} takes {_HOMEWORK_ARITY[args.action]} name(s) or code(s): "
                         "see securebase homework --help.")
    with _store(args) as store:
        if args.action == "assign":
            client = store.require_client(ids[0])
            if not args.until:
                raise ValueError("Say until when it is set: --until YYYY-MM-DD.")
            program = content.program(args.program or client.program_id or "")
            a = homework.assign(store, program, ids[0], ids[1], frequency=args.frequency, today=today(),
                                until=_day_arg(args.until, "--until"), times=args.times,
                                starts_on=_day_arg(args.start, "--from") if args.start else None)
            print(f"Set {a.exercise_id} for {a.client_id}, {homework.FREQUENCY_WORDS[a.frequency]} at "
                  f"{', '.join(a.times)}, from {a.starts_on} to {a.until} (assignment {a.assignment_id}).")
        elif args.action == "list":
            found = store.assignments(ids[0])
            for a in found:
                state = f"ended, last day {a.ended_on}" if a.ended_on else ("set" if a.until >= today() else "over")
                print(f"{a.assignment_id}  {a.exercise_id:<28} {a.frequency:<12} {','.join(a.times):<12} "
                      f"{a.starts_on} to {a.until}  {state}")
            if not found:
                print(f"No homework set for {ids[0]}.")
        elif args.action == "end":
            last = _day_arg(args.last_day, "--last-day") if args.last_day else today()
            a = store.end_homework(ids[0], last)
            print(f"Ended {a.assignment_id} ({a.exercise_id} for {a.client_id}); its last day is {a.ended_on}.")
        elif args.action == "feed":
            store.require_client(ids[0])
            secret = calendar.new_feed(store, ids[0])
            print("The client's private calendar address (shown once; anyone with it can read their practice "
                  f"times, so give it only to them):\n\n    {config.calendar_url(secret)}\n\n"
                  f"Revoke it with: securebase homework revoke-feed {ids[0]}")
        elif args.action == "revoke-feed":
            count = store.revoke_calendar_feeds(ids[0])
            print(f"Revoked {count} calendar address(es) of {ids[0]}." if count else
                  f"{ids[0]} has no calendar address open.")
        elif args.action == "calendar":
            ics = calendar.client_feed(store, content.program, ids[0], default_time_zone=config.default_time_zone(),
                                       url=config.public_url())
            if args.out:
                config.write_private_file(Path(args.out), ics)
                print(f"Wrote {args.out} (owner-only).")
            else:
                sys.stdout.write(ics.decode("utf-8"))
        elif args.action == "reminders":
            current = store.reminder_settings(ids[0])
            zone = args.time_zone or (current.time_zone if current else config.default_time_zone())
            email = args.email if args.email is not None else (current.email if current else None)
            set_to = reminders.set_reminders(store, ids[0], email=email, time_zone=zone)
            print(f"Reminders for {ids[0]}: {'by e-mail' if set_to.email else 'no e-mails'}, time zone {set_to.time_zone}.")
        else:
            from securebase.safety.mailer import SmtpSettings

            settings = SmtpSettings.from_env(recipients=False)
            if settings is None:
                print("securebase: e-mail is not set up: set SECUREBASE_SMTP_HOST and SECUREBASE_SMTP_FROM "
                      "(see securebase.safety.mailer).", file=sys.stderr)
                return 2
            report = reminders.send_reminders(store, settings, content.program, sign_in_url=config.public_url())
            print("\n".join(report.lines()))
            return EXIT_PARTIAL if report.failed else 0
    return 0


def cmd_hub(args: argparse.Namespace) -> int:
    from securebase.hub import launch
    from securebase.hub.settings import HubSettings

    if args.action == "setup":
        report = launch.setup(_repo_notebooks().parent, ip=args.ip, port=args.port, public_url=args.public_url,
                              ssl_cert=args.ssl_cert, ssl_key=args.ssl_key, time_zone=args.time_zone,
                              admin=args.admin, two_factor=args.two_factor)
        print("\n".join(report.lines()))
        return 0
    if args.action == "run":
        return launch.run()
    checks = launch.status(HubSettings.load())
    for part, fine, detail in checks:
        print(f"{'ok  ' if fine else 'DOWN'}  {part:<17} {detail}")
    return 0 if all(fine for _, fine, _ in checks) else 1


def cmd_restore(args: argparse.Namespace) -> int:
    from securebase.store import backups

    path, aside = backups.restore(args.backup, config.store_file(args.store or ""))
    for moved in aside:
        print(f"Set aside: {moved}")
    with _store(args) as store:
        print(f"Restored {args.backup} as the store {path} (integrity: {store.integrity_check()})")
    return 0


def cmd_new_client(args: argparse.Namespace) -> int:
    from securebase import content
    from securebase.core.ids import new_client_id

    if args.program:
        content.program(args.program)  # fails clearly on an unknown program
    start = date.fromisoformat(args.start_date) if args.start_date else date.today()
    with _store(args) as store:
        while store.get_client(client_id := new_client_id()):
            pass
        store.ensure_client(client_id, program_id=args.program, start_date=start)
    print(client_id)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from securebase.notebook.batchrun import run_workbook

    result = run_workbook(
        Path(args.notebook),
        client_id=args.client,
        answers_path=Path(args.answers) if args.answers else None,
        store_path=args.store or "",
        output_dir=Path(args.output_dir) if args.output_dir else None,
        start_date=args.start_date or "",
        extra=dict(args.parameters or []),
    )
    print(f"Executed notebook: {result.executed_notebook}")
    print(f"Report: {result.report_html}")
    status = result.summary.get("import", {}) or {}
    rejected = status.get("rejected") or []
    for item in rejected:
        print(f"Entry {item['index']} ({item['exercise_id']}) not saved: " + "; ".join(item["problems"].values()),
              file=sys.stderr)
    return EXIT_PARTIAL if rejected else 0


def cmd_couple(args: argparse.Namespace) -> int:
    from securebase.couples import dyads as couples

    with _store(args) as store:
        if args.action == "new":
            from securebase.core.ids import new_client_id

            start = date.fromisoformat(args.start_date) if args.start_date else date.today()
            ids = []
            for _ in range(2):
                while store.get_client(client_id := new_client_id()) or client_id in ids:
                    pass
                store.ensure_client(client_id, program_id=args.program, start_date=start)
                ids.append(client_id)
            dyad = couples.link_couple(store, *ids, program_id=args.program)
            print(f"{dyad.dyad_id} A={dyad.partner_a} B={dyad.partner_b}")
        elif args.action == "link":
            a, b = args.ids
            dyad = couples.link_couple(store, a, b, program_id=args.program)
            print(f"{dyad.dyad_id} A={dyad.partner_a} B={dyad.partner_b}")
        elif args.action == "resume":
            from securebase.couples.pause import lift_pause

            lifted = lift_pause(store, args.ids[0], reason=args.reason)
            print(f"Couple {args.ids[0]}: pause lifted ({len(lifted)} flag{'s' if len(lifted) != 1 else ''}); "
                  "sharing, the protocol and the partner view are available again. The reason is kept.")
        elif args.action == "end":
            dyad = couples.end_couple(store, args.ids[0])
            print(f"Couple {dyad.dyad_id} ended; what was shared is no longer visible to the partner.")
        elif args.action == "show":
            from securebase.couples.protocol import in_force, status_text, versions

            dyad = couples.dyad_of(store, args.ids[0]) if args.ids[0].startswith("C-") else couples.get_dyad(store, args.ids[0])
            if dyad is None:
                print(f"{args.ids[0]} is not linked with a partner.")
                return 0
            print(f"{dyad.dyad_id} A={dyad.partner_a} B={dyad.partner_b} since {dyad.created_at[:10]}"
                  + (f", ended {dyad.ended_at[:10]}" if dyad.ended_at else ""))
            from securebase.couples.pause import pause_of

            pause = pause_of(store, dyad)
            if pause is not None:
                print(f"  PAUSED since {pause.since[:10]} (abuse or danger flag): see the partners separately; "
                      f"lift with: securebase couple resume {dyad.dyad_id} --reason TEXT")
            current = in_force(store, dyad.dyad_id)
            for v in versions(store, dyad.dyad_id):
                print(f"  protocol v{v.version} ({v.proposed_at[:10]}): {status_text(v, dyad, current)}")
        else:  # export
            from securebase.couples.dyads import list_dyads
            from securebase.couples.export import export_couples
            from securebase.intake.consent import research_consented

            asked = [couples.get_dyad(store, d) for d in args.ids] or list_dyads(store)
            consented = research_consented(store)   # a couple's diary is research data: both partners agree
            dyads = [d for d in asked if set(d.members) <= consented]
            out = Path(args.out) if args.out else config.data_dir() / "exports" / f"couples-{date.today():%Y-%m}"
            layouts = ("individual", "pairwise") if args.layout == "both" else (args.layout,)
            for path in export_couples(store, out, layouts=layouts, dyads=dyads).values():
                print(path)
            if len(dyads) < len(asked):
                print(f"Left out: {len(asked) - len(dyads)} couple(s) in which a partner's research consent is not "
                      "in force (securebase consent show CLIENT).")
    return 0


def cmd_safety(args: argparse.Namespace) -> int:
    from securebase.safety.flags import clear_flag, flags, get_flag

    if args.action == "build-model":
        from securebase.safety.screen import build_backstop

        summary = build_backstop()
        print(f"Built {summary['path']} from {summary['items']} corpus texts ({summary['features']} features).")
        print(f"Cross-validated on the corpus: the backstop alone catches {summary['cv_risk_caught_by_backstop']:.1%} "
              f"of risk texts and alarms on {summary['cv_ordinary_alarm_rate']:.1%} of ordinary ones.")
        return 0
    if args.action in ("ack", "clear") and not args.flag:
        usage = "safety ack FLAG" if args.action == "ack" else "safety clear FLAG --reason TEXT"
        print(f"securebase: usage: securebase {usage} (the first 8 characters of the flag id are enough; "
              "see securebase safety list)", file=sys.stderr)
        return 2
    with _store(args) as store:
        if args.action == "clear":
            flag = clear_flag(store, get_flag(store, args.flag).flag_id, reason=args.reason)
            print(f"Cleared flag {flag.flag_id[:8]} of {flag.client_id}; the reason is kept.")
            return 0
        if args.action == "ack":
            from securebase.safety.notify import acknowledge

            flag = acknowledge(store, args.flag)
            print(f"Acknowledged flag {flag.flag_id[:8]} of {flag.client_id} as {store.actor}. "
                  "It stays open until it is cleared with a reason.")
            return 0
        if args.action == "notify":
            from securebase.safety.mailer import SmtpSettings, send_pending

            settings = SmtpSettings.from_env()
            if settings is None:
                print("securebase: e-mail is not set up: set SECUREBASE_SMTP_HOST, SECUREBASE_SMTP_FROM and "
                      "SECUREBASE_SMTP_TO (see securebase.safety.mailer).", file=sys.stderr)
                return 2
            report = send_pending(store, settings)
            print("\n".join(report.lines()))
            return EXIT_PARTIAL if report.failed else 0
        acked = {flag_id for flag_id, by, _at in store.flag_acks() if by == store.actor}
        found = flags(store, args.client or None, open_only=args.open)
        for f in found:
            status = (("OPEN, acknowledged" if f.flag_id in acked else "OPEN, new") if f.open
                      else f"cleared {f.cleared_at[:10]} by {f.cleared_by}")
            print(f"{f.flag_id[:8]}  {f.client_id}  {f.flagged_at[:16]}  {f.describe()}  {status}")
        if not found:
            print("No safety flags.")
        unanswered = [row for row in store.check_in_rows(args.client or None) if row[6] is None]
        if unanswered:
            print(f"{len(unanswered)} check-in question(s) nobody answered (ask the person whether they are safe):")
        for _id, client_id, entry_id, revision, categories, asked_at, _answer, _when in unanswered:
            print(f"  {client_id}  {asked_at[:16]}  {', '.join(c.replace('_', ' ') for c in categories)}  "
                  f"(entry {entry_id[:8]}, revision {revision})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import secrets
    from datetime import datetime

    from securebase.research.export import export_research

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    # a default folder named by the month and a random tag: a name with the time would date the export
    out = Path(args.out) if args.out else config.data_dir() / "exports" / f"research-{datetime.now():%Y-%m}-{secrets.token_hex(3)}"
    with _store(args) as store:
        result = export_research(
            store, out, key_dir=Path(args.key_dir) if args.key_dir else None, no_key=args.no_key,
            program_id=args.program, text=args.keep_text, keep_ids=args.keep_ids,
            keep_identifiers=args.keep_identifiers, dates=args.dates, formats=formats,
            redcap_names=args.redcap_names, k=args.k, fhir=args.fhir,
        )
    for path in result.files.values():
        print(path)
    if result.key_file:
        print(f"Key file (keep it apart from the export): {result.key_file}")
    return 0


def cmd_roster(args: argparse.Namespace) -> int:
    from securebase.workshop.roster import load_roster

    roster = load_roster(args.roster)
    print(f"{len(roster.participants)} participant(s) in {len(roster.groups())} group(s); "
          + (f"further columns passed to notebooks: {', '.join(roster.extra_columns)}" if roster.extra_columns
             else "no further columns"))
    for group in roster.groups():
        people = roster.in_group(group)
        programs = sorted({p.program for p in people})
        print(f"  {group}: {len(people)} participant(s), program(s) {', '.join(programs)}")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from securebase.workshop.batch import run_batch

    if args.accounts:
        return _batch_accounts(args)
    if not args.notebook or not args.out:
        raise ValueError("securebase batch needs --notebook and --out (or --accounts, on the clinic server).")

    summary = run_batch(
        args.roster, args.notebook, args.out, workers=args.workers, timeout=args.timeout, executor=args.executor,
        scheduler=args.scheduler or None, parameters=dict(args.parameters or []), handout=not args.no_handouts,
        pdf=args.pdf, progress=not args.no_progress, force=args.force,
    )
    print("\n".join(summary.lines()))
    return EXIT_PARTIAL if summary.failures else 0


def _batch_accounts(args: argparse.Namespace) -> int:
    """Sign-ins on the clinic server for every participant of the roster (securebase.hub.participants)."""
    from securebase.hub.participants import make_accounts
    from securebase.workshop.roster import load_roster

    hub = _hub_side()
    if hub is None:
        raise ValueError("--accounts makes sign-ins on a clinic server: run it as root (sudo) on the machine "
                         "`securebase hub setup` set up.")
    if not args.facilitator:
        raise ValueError("Name the facilitator whose participants they are: --facilitator NAME.")
    roster = load_roster(args.roster)
    sheet = Path(args.out) if args.out else config.data_dir() / "workshops" / f"{Path(args.roster).stem}-sign-ins.csv"
    with _store(args) as store:
        report = make_accounts(store, roster, args.facilitator, hub, sheet)
    print("\n".join(report.lines()))
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    from securebase.workshop.collect import collect, group_summary, write_group_summary
    from securebase.workshop.roster import load_roster

    roster = load_roster(args.roster)
    with _store(args) as store:
        if args.source:
            report = collect(store, roster, args.source, group=args.group or None)
            print("\n".join(report.lines()))
        else:   # participants who sign in to the clinic server saved their entries there already
            print("No --from folder: the group summaries are made from the entries in the store.")
        out = Path(args.summary_dir) if args.summary_dir else config.data_dir() / "workshops"
        for group in [args.group] if args.group else roster.groups():
            if group not in store.groups():
                print(f"Group {group}: nothing collected yet, so no summary.")
                continue
            members = roster.in_group(group)
            for program in sorted({p.program for p in members}):
                files = write_group_summary(group_summary(store, group, program=program, k=args.k), out / program)
                print(f"Group {group} ({program}) summary: {files['html']}")
    return 0


def cmd_workspace(args: argparse.Namespace) -> int:
    from securebase.app.workspace import sync_workspace

    report = sync_workspace(_repo_notebooks(), config.data_dir() / "workbooks")
    for line in report.lines():
        print(line)
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    from securebase.app.workspace import launch_lab, sync_workspace

    cmd_init(args)
    workspace = config.data_dir() / "workbooks"
    for line in sync_workspace(_repo_notebooks(), workspace).lines():
        print(line)
    return launch_lab(workspace, port=args.port, open_browser=not args.no_browser, ip=args.ip, terminals=args.terminals)


def cmd_app(args: argparse.Namespace) -> int:
    from securebase.app.server import launch_app
    from securebase.app.workspace import sync_workspace

    cmd_init(args)
    workspace = config.data_dir() / "workbooks"
    for line in sync_workspace(_repo_notebooks(), workspace).lines():
        print(line)
    return launch_app(workspace, port=args.port, ip=args.ip, open_browser=args.open_browser)


def cmd_check_content(args: argparse.Namespace) -> int:
    from securebase import content

    content.clear_cache()
    for program in content.programs().values():
        n_ex = sum(len(p.exercises) for p in program.phases)
        print(f"{program.id} v{program.version}: {len(program.phases)} phases, {n_ex} exercises")
    from securebase.safety import plan as safety_plan

    safety_plan.clear_cache()
    safety_plan.check_program_ids(content.programs())
    content.locale("en")
    from securebase.content import scales

    scales.clear_cache()
    for instrument in scales.instruments().values():
        scales.check_references(instrument)
        print(f"scale {instrument.id} v{instrument.version} (scoring {instrument.scoring_version}): "
              f"{len(instrument.items)} items, {len(instrument.subscales)} subscales")
    from securebase.safety import resources as crisis
    from securebase.safety import screen as safety

    safety.clear_cache()
    print(f"safety lexicon {safety.check_safety_content()}, backstop up to date with its corpus; "
          f"crisis resources: {crisis.resources('en').language}")
    for language in safety_plan.plan_languages() or ["en"]:
        plan = safety_plan.plan_content(language)
        print(f"safety plan ({plan.language}) v{plan.version}: {len(plan.parts)} parts")
    from securebase import workshop

    for line in workshop.check_content():
        print(line)
    from securebase.content import consent

    consent.clear_cache()
    print("consent texts: " + ", ".join(f"{k} v{consent.consent_text(k).version}" for k in consent.KINDS))
    print("content OK")
    return 0


def cmd_notebooks(args: argparse.Namespace) -> int:
    from securebase.nbgen.phase import write_notebooks

    for path in write_notebooks(_repo_notebooks(), execute=args.execute, only=args.only):
        print(path)
    return 0


def _repo_notebooks() -> Path:
    return Path(__file__).resolve().parents[2] / "notebooks"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="securebase", description="Secure Base workbooks")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create the store")
    p.add_argument("--store", default="", help="store file (default: the data directory)")
    p.add_argument("--start-empty", action="store_true",
                   help="begin a new, empty store where a lost one was (what is left of it is set aside, not deleted)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("backup", help="an encrypted copy of the store, taken while it is in use; verify one; restore one")
    p.add_argument("args", nargs="*", metavar="[FILE] | verify FILE | restore FILE",
                   help="the new backup file (default: <data folder>/backups/securebase-<time>.sqlite3, rotated)")
    p.add_argument("--keep", type=int, default=14, help="backups kept in the default folder (default 14)")
    p.add_argument("--plain", action="store_true", help="do not encrypt the backup (it holds client data as it is)")
    p.add_argument("--store", default="", help="store file (default: the data directory)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("audit", help="audit log: verify checks its hash chain")
    p.add_argument("action", choices=["verify"])
    p.add_argument("--store", default="", help="store file (default: the data directory)")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("db", help="the store's schema: upgrade brings an older store up to date; current shows it")
    p.add_argument("action", choices=["upgrade", "current"])
    p.add_argument("--store", default="", help="store file (default: the data directory)")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("users", help="people of a clinic's PostgreSQL store: add, list, disable, assign")
    p.add_argument("action", choices=["add", "list", "disable", "assign", "unassign", "password", "two-factor"])
    p.add_argument("name", nargs="?", default="", help="the person's user name (letters, digits, '-')")
    p.add_argument("--role", choices=["clinician", "supervisor", "researcher", "client", "facilitator", "admin"])
    p.add_argument("--client", default="", help="a client's code (C-XXXX), for --role client")
    p.add_argument("--clinician", action="append", default=[],
                   help="a client's clinician, or a clinician a supervisor supervises (repeat for more)")
    p.add_argument("--remove", action="store_true", help="for two-factor: take the person's second factor away")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("erase-client", help="erase every row of a client and wipe them from the store's files")
    p.add_argument("client", help="the client's code")
    p.add_argument("--reason", required=True, help="why (kept in the audit; not the client's code)")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_erase_client)

    p = sub.add_parser("retention", help="the clients a retention rule erases: a dry run, or --apply")
    p.add_argument("--years", type=int, default=None,
                   help=f"erase clients archived more than N years ago (default: ${RETENTION_ENV})")
    p.add_argument("--apply", action="store_true", help="erase them (without it: only list them)")
    p.add_argument("--reason", default="", help="kept in the audit of each erasure")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_retention)

    p = sub.add_parser("consent", help="a client's treatment and research consent: give, withdraw, show")
    p.add_argument("action", choices=["give", "withdraw", "show"])
    p.add_argument("client", help="the client's code")
    p.add_argument("--kind", choices=["treatment", "research"], default="")
    p.add_argument("--at", default="", help="when the client decided (YYYY-MM-DD HH:MM; default: now)")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_consent)

    p = sub.add_parser("homework", help="homework: assign, list, end; a client's calendar feed; e-mail reminders")
    p.add_argument("action", choices=list(_HOMEWORK_ARITY))
    p.add_argument("ids", nargs="*", help="the client's code (and for assign the exercise); for end the assignment")
    p.add_argument("--frequency", choices=["daily", "twice_daily", "weekly"], default="daily")
    p.add_argument("--until", default="", help="the last day it is set (YYYY-MM-DD)")
    p.add_argument("--from", dest="start", default="", help="the first day (default: today)")
    p.add_argument("--times", default="", help="times of the client's day, HH:MM, comma-separated (one, or two for "
                                               "twice_daily)")
    p.add_argument("--program", default="", help="the program (default: the client's)")
    p.add_argument("--last-day", default="", help="for end: the last day it is set (default: today)")
    p.add_argument("--out", default="", help="for calendar: write the feed to this file")
    p.add_argument("--email", default=None, help="for reminders: the address (an empty one: no e-mails)")
    p.add_argument("--time-zone", default="", help="for reminders: the client's time zone, e.g. Europe/London")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_homework)

    p = sub.add_parser("hub", help="the clinic server (JupyterHub): setup, run, status (as root)")
    p.add_argument("action", choices=["setup", "run", "status"])
    p.add_argument("--ip", default="127.0.0.1", help="for setup: the address to listen on (default: this machine only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--public-url", default="", help="for setup: how people reach it, e.g. https://securebase.clinic.org")
    p.add_argument("--ssl-cert", default="", help="for setup: the TLS certificate file (PEM)")
    p.add_argument("--ssl-key", default="", help="for setup: the TLS key file (PEM, root's)")
    p.add_argument("--time-zone", default="", help="for setup: the clinic's time zone, e.g. Europe/London")
    p.add_argument("--admin", default="admin", help="for setup: the first administrator's user name")
    p.add_argument("--two-factor", action="store_true",
                   help="for setup: every person added from now on gets a second factor (an authenticator app)")
    p.set_defaults(func=cmd_hub)

    p = sub.add_parser("restore", help="put a backup of the store in place")
    p.add_argument("backup", help="the backup file")
    p.add_argument("--store", default="", help="store file (default: the data directory)")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("new-client", help="create a pseudonymous client code")
    p.add_argument("--program", default=None, help="program id, e.g. sie or asb")
    p.add_argument("--start-date", default="", help="first day in the program, YYYY-MM-DD (default today)")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_new_client)

    p = sub.add_parser("run", help="run a workbook in batch mode")
    p.add_argument("notebook", help="workbook notebook, e.g. notebooks/sie/01_awareness.ipynb")
    p.add_argument("--client", required=True, help="pseudonymous client code")
    p.add_argument("--answers", default="", help="answers file (YAML or JSON)")
    p.add_argument("--output-dir", default="", help="report folder (default: the client's folder)")
    p.add_argument("--start-date", default="")
    p.add_argument("--store", default="")
    p.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="set another parameter of the notebook's first cell, e.g. -p handout_since 2026-03-01")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("couple", help="couples mode: new, link, show, end, resume, export")
    p.add_argument("action", choices=("new", "link", "show", "end", "resume", "export"),
                   help="new: two new clients linked; link A B; show CLIENT_OR_DYAD; end DYAD; "
                        "resume DYAD --reason TEXT (lift a pause); export [DYAD ...]")
    p.add_argument("ids", nargs="*", help="client ids (link: partner A then B) or a dyad id")
    p.add_argument("--program", default="asb", help="program id (default asb)")
    p.add_argument("--start-date", default="", help="new: first day in the program, YYYY-MM-DD (default today)")
    p.add_argument("--layout", choices=("individual", "pairwise", "both"), default="both", help="export layout")
    p.add_argument("--out", default="", help="export folder (default: <data folder>/exports/couples-<date>)")
    p.add_argument("--reason", default="", help="resume: why the shared features can start again (kept)")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_couple)

    p = sub.add_parser("safety", help="safety flags: list, ack, clear, notify; build-model rebuilds the screen's backstop")
    p.add_argument("action", choices=("list", "ack", "clear", "notify", "build-model"),
                   help="list; ack FLAG (seen: off the top of your home page); clear FLAG --reason; "
                        "notify (e-mail new flags through SECUREBASE_SMTP_* settings); "
                        "build-model (rebuild content/safety/backstop.npz from the corpus)")
    p.add_argument("flag", nargs="?", default="", help="ack, clear: the flag id (the first 8 characters are enough)")
    p.add_argument("--client", default="", help="list: only this client")
    p.add_argument("--open", action="store_true", help="list: only flags not yet cleared")
    p.add_argument("--reason", default="", help="clear: how the flag was followed up")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_safety)

    p = sub.add_parser("export", help="research export, de-identified by default")
    p.add_argument("--out", default="", help="export folder, new or empty (default: <data folder>/exports/research-<time>)")
    p.add_argument("--key-dir", default="", help="folder for the key file (study code -> client id); never inside --out")
    p.add_argument("--no-key", action="store_true", help="write no key file: the study codes can never be traced back")
    p.add_argument("--program", default=None, help="only this program's entries (default: all)")
    p.add_argument("--keep-text", choices=("none", "redact", "length"), default="none",
                   help="free text: none (default, left out), redact (rows kept as [redacted]), length (length class)")
    p.add_argument("--keep-ids", action="store_true", help="keep client codes instead of random study codes")
    p.add_argument("--keep-identifiers", action="store_true", help="keep fields tagged as identifiers")
    p.add_argument("--dates", choices=("days", "shifted", "true"), default="days",
                   help="days (default: day numbers from each person's first day, no calendar dates), shifted "
                        "(one random offset per person, into the past) or true (the real dates)")
    p.add_argument("--format", default="csv,parquet",
                   help="comma-separated: csv, parquet (default: both), sav (SPSS), dta (Stata), rds (R)")
    p.add_argument("--k", type=int, default=5, metavar="K",
                   help="answers from a closed set that fewer than K people gave are written as [rare], and the "
                        "people of a program fewer than K follow are left out (default 5, as in every summary; "
                        "1: no suppression)")
    p.add_argument("--fhir", action="store_true",
                   help="also write the questionnaires and their results as FHIR (R4B) Questionnaire and "
                        "QuestionnaireResponse bundles")
    p.add_argument("--redcap-names", action="store_true",
                   help="name variables as REDCap requires (a-z, 0-9, _; 26 characters at most), in the data "
                        "dictionary and the tables, so that the dictionary uploads to REDCap")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("roster", help="check a workshop roster")
    p.add_argument("roster", help="CSV with participant_id, group, program, language")
    p.set_defaults(func=cmd_roster)

    p = sub.add_parser("batch", help="prepare one workbook per roster participant, in parallel")
    p.add_argument("--roster", required=True, help="CSV with participant_id, group, program, language")
    p.add_argument("--notebook", default="", help="the workbook, e.g. notebooks/sie/01_awareness.ipynb")
    p.add_argument("--out", default="", help="output folder, outside any git working tree (with --accounts: the "
                                             "sign-in sheet's file)")
    p.add_argument("--accounts", action="store_true", help="on the clinic server: a sign-in for every participant "
                                                           "instead of workbook folders")
    p.add_argument("--facilitator", default="", help="with --accounts: the facilitator whose participants they are")
    p.add_argument("--workers", type=int, default=None, help="parallel workers (default: the number of cores)")
    p.add_argument("--timeout", type=int, default=600, help="longest a notebook cell may run, in seconds (default 600)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local worker processes (default) or a Dask distributed cluster")
    p.add_argument("--scheduler", default="", help="dask: scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    p.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="set a notebook parameter for every participant")
    p.add_argument("--no-handouts", action="store_true", help="skip the HTML handouts")
    p.add_argument("--pdf", action="store_true", help="also write each handout as PDF")
    p.add_argument("--force", action="store_true", help="run finished rows again")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("collect", help="bring returned workbooks into the store; group summaries")
    p.add_argument("--roster", required=True, help="the roster the workbooks were prepared from")
    p.add_argument("--from", dest="source", default="", help="folder holding the returned participant folders (none: "
                                                           "the participants saved on the clinic server)")
    p.add_argument("--group", default="", help="only this group")
    p.add_argument("--summary-dir", default="", help="where group summaries go (default: <data folder>/workshops)")
    p.add_argument("--k", type=int, default=5, help="smallest count shown in group summaries (default 5)")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("workspace", help="copy workbooks into the data directory")
    p.set_defaults(func=cmd_workspace)

    p = sub.add_parser("start", help="initialise and open JupyterLab at the workbooks")
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--no-browser", action="store_true")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: this machine only)")
    p.add_argument("--terminals", action="store_true", help="allow JupyterLab's terminals (off by default)")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_start)

    p = sub.add_parser("app", help="the workbooks as an app (Voila) at the clinician's home page")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--open-browser", action="store_true", help="also open the page in this machine's browser")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: this machine only)")
    p.add_argument("--store", default="")
    p.set_defaults(func=cmd_app)

    p = sub.add_parser("check-content", help="validate content/")
    p.set_defaults(func=cmd_check_content)

    p = sub.add_parser("notebooks", help="regenerate notebooks/ from content (maintainers)")
    p.add_argument("--execute", action="store_true", help="also run them against an empty demo store")
    p.add_argument("--only", default="", help="create or refresh only this program or phase, e.g. sie/acceptance")
    p.set_defaults(func=cmd_notebooks)
    for command in sub.choices.values():
        command.add_argument("--database-url", default="", metavar="URL",
                             help="a clinic's PostgreSQL store, postgresql+psycopg://ROLE@/DATABASE?host=SOCKET-DIR "
                                  "(default: $SECUREBASE_DATABASE_URL, else the embedded SQLite store); never with a "
                                  "password in it: use ~/.pgpass or peer authentication")
    return parser


def _clinic_store_url() -> str:
    """On the clinic server, as root: its store, unless another one is named."""
    if os.geteuid() != 0:
        return ""
    from securebase.hub.settings import OWNER, HubSettings

    if not HubSettings.exists():
        return ""
    hub = HubSettings.load()
    os.environ.setdefault(config.PUBLIC_URL_ENV, hub.address)     # links in feeds and e-mails
    os.environ.setdefault(config.TIME_ZONE_ENV, hub.time_zone)
    return hub.database_url(OWNER)


def _use_database_url(args: argparse.Namespace) -> None:
    """``--database-url``: the store for this command and for the notebooks and kernels it starts."""
    url = args.database_url.strip()
    if not url and not getattr(args, "store", "") and not os.environ.get(config.DATABASE_URL_ENV):
        url = _clinic_store_url()
    if not url:
        return
    from securebase.core.errors import StoreError
    from securebase.store.engine import database_url, has_password

    database_url(url)   # a PostgreSQL URL, or a plain message
    if has_password(url):
        raise StoreError("--database-url must not hold a password (other users can read command lines): put it "
                         "in ~/.pgpass, or use peer authentication on the server's Unix socket.")
    if getattr(args, "store", ""):
        raise StoreError("Give either --store or --database-url, not both.")
    args.store = url
    os.environ[config.DATABASE_URL_ENV] = url


_COUPLE_ARITY = {"new": 0, "link": 2, "show": 1, "end": 1, "resume": 1}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "couple" and args.action in _COUPLE_ARITY and len(args.ids) != _COUPLE_ARITY[args.action]:
        usage = {"new": "couple new [--program asb]", "link": "couple link PARTNER_A PARTNER_B",
                 "show": "couple show CLIENT_OR_DYAD", "end": "couple end DYAD",
                 "resume": "couple resume DYAD --reason TEXT"}[args.action]
        print(f"securebase: usage: securebase {usage}", file=sys.stderr)
        return 2
    try:
        _use_database_url(args)
        return args.func(args)
    except (SecureBaseError, KeyError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"securebase: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
