"""A team database that an administrator stops and starts again: the desks keep working, and afterwards
every ticket learned meanwhile is on every desk, recorded once."""

from __future__ import annotations

import psycopg

from tests.team_postgres import fresh_database
from tests.test_team_desk import TeamDesk
from tests.test_workspace import SPEC_TICKET, WAIT

pytest_plugins = ["tests.team_postgres"]  # the own_cluster fixture: a server this module may stop


def test_a_database_stopped_then_started_again_loses_nothing_and_duplicates_nothing(qtbot, sandbox, tmp_path,
                                                                                   own_cluster):
    from gui.team import setup_team

    with fresh_database(own_cluster.conninfo) as url:
        setup_team(url)
        alice = TeamDesk(qtbot, sandbox, tmp_path, url, "alice")
        bob = TeamDesk(qtbot, sandbox, tmp_path, url, "bob")
        try:
            qtbot.waitUntil(lambda: alice.sync.online and bob.sync.online, timeout=WAIT)
            alice.open(SPEC_TICKET)
            qtbot.waitUntil(lambda: bob.lists(SPEC_TICKET), timeout=WAIT)

            own_cluster.pause()
            learned = [n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET][:3]
            for number in learned:
                alice.open(number)  # the vendor still answers; the team's copies wait on alice's desk
            qtbot.waitUntil(lambda: "Team: offline, 3 changes to send" in alice.window.team_label.text(),
                            timeout=WAIT)
            qtbot.waitUntil(lambda: "Team: offline" in bob.window.team_label.text(), timeout=WAIT)
            assert not any(bob.lists(n) for n in learned)

            own_cluster.resume()
            qtbot.waitUntil(lambda: all(bob.lists(n) for n in learned), timeout=WAIT)
            qtbot.waitUntil(lambda: alice.window.team_label.text() == "Team: connected", timeout=WAIT)
            with psycopg.connect(url) as conn:
                added = conn.execute("SELECT number, count(*) FROM togadesk.event WHERE env = %s AND kind = 'added'"
                                     " GROUP BY number", (alice.client.base_url,)).fetchall()
            assert dict(added) == dict.fromkeys([SPEC_TICKET, *learned], 1)
            assert bob.window.model.total() == alice.window.model.total() == 4
        finally:
            alice.close()
            bob.close()
