"""Workshop participants' sign-ins on the clinic server (``securebase batch --roster R --accounts
--facilitator NAME``): no folder has to be handed out, and ``securebase collect`` then reads their entries
from the store.

Each participant becomes a client of the facilitator (their user name is their pseudonymous code in lower
case, their program the roster's), a member of their group, and a system user with a one-time password.
The sign-in sheet (code, group, user name, one-time password, address) is written owner-only, to hand out
in the session; a participant who already has a sign-in is left as they are.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from securebase.core import config
from securebase.hub import accounts
from securebase.hub.settings import HubSettings
from securebase.store import Store
from securebase.workshop.roster import Roster


@dataclass
class AccountsReport:
    made: list[tuple[str, str, str, str]] = field(default_factory=list)   # code, group, user, one-time password
    kept: list[str] = field(default_factory=list)
    sheet: Path | None = None

    def lines(self) -> list[str]:
        out = [f"Made {len(self.made)} sign-in(s)" + (f"; {len(self.kept)} participant(s) already had one." if self.kept
                                                       else ".")]
        if self.sheet:
            out.append(f"The sign-in sheet (owner-only; hand each line to its participant): {self.sheet}")
        return out


def make_accounts(store: Store, roster: Roster, facilitator: str, hub: HubSettings, sheet: Path) -> AccountsReport:
    report = AccountsReport()
    known = {p.client_id for p in store.people() if p.client_id}
    for p in roster.participants:
        if p.participant_id in known:
            report.kept.append(p.participant_id)
            continue
        name = p.participant_id.lower()
        store.add_person(name, "client", client_id=p.participant_id, clinicians=[facilitator])
        store.update_client(p.participant_id, program_id=p.program, language=p.language)
        store.add_group_member(p.group, p.participant_id)
        system = accounts.create(name, "client")
        report.made.append((p.participant_id, p.group, name, accounts.temporary_password(system)))
    if report.made:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["participant_id", "group", "user", "one_time_password", "address"])
        writer.writerows([*row, f"{hub.address}/hub/login"] for row in report.made)
        report.sheet = config.write_private_file(sheet, text.getvalue())
    return report
