"""Team registry search at scale: p50/p95 per kind of query and the time to build each search index.

    python tests/benchmarks/team_search.py [--tickets 100000] [--runs 200]

Uses the PostgreSQL in TOGADESK_TEST_POSTGRES (a superuser conninfo; a database of its own is created
and dropped) or starts a throwaway cluster as the team tests do. Tickets are generated (names,
e-mail addresses, phone numbers in mixed formats, subjects and messages from the benchmark word
lists), bulk-loaded with COPY without the trigram indexes, which are then built and timed one by one.
Each query goes through ``TeamRegistry.search``, the desk's own call (every field at once, as typed).
Figures only; not part of run.py.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from gui.team import TeamRegistry, phone_digits, setup_team
from gui.team.schema import TRIGRAM_INDEXES, trigram_schema
from tests.benchmarks.data import NAMES, SURNAMES, WORDS
from tests.team_postgres import ENV_VAR, Cluster, find_bindir, fresh_database

ENV = "https://bench.example"
DOMAINS = ["example.com", "contoso.org", "mail.example.net", "fabrikam.co.uk", "acme.io"]
PHONE_FORMATS = ["({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "+1 {a} {b} {c}", "{a}{b}{c}"]


def generate(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    tickets = []
    for i in range(count):
        first, last = rng.choice(NAMES), rng.choice(SURNAMES)
        local = f"{first}.{last}{rng.randint(1, 99_999)}".lower().replace("ü", "u")
        digits = f"{rng.randint(200, 999)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        phone = rng.choice(PHONE_FORMATS).format(a=digits[:3], b=digits[3:6], c=digits[6:])
        tickets.append({
            "ticketNumber": 10_000_000 + i * 7,
            "subject": " ".join(rng.choices(WORDS, k=rng.randint(3, 6))).capitalize(),
            "message": " ".join(rng.choices(WORDS, k=rng.randint(15, 60))) + ".",
            "status": rng.choice(["NEW_TICKET", "OPEN", "IN_PROGRESS", "CLOSED"]),
            "priority": rng.choice(["LOW", "NORMAL", "HIGH"]),
            "firstName": first, "lastName": last, "emailAddress": f"{local}@{rng.choice(DOMAINS)}",
            "phoneNumber": phone, "replies": [],
        })
    return tickets


def load(conninfo: str, tickets: list[dict]) -> tuple[float, dict[str, float]]:
    """COPY the tickets in without the trigram indexes, then build each; returns the seconds taken."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for name in TRIGRAM_INDEXES:
            conn.execute(sql.SQL("DROP INDEX togadesk.{}").format(sql.Identifier(name)))
        started = time.perf_counter()
        fetched = datetime.now(UTC) - timedelta(hours=1)
        with conn.cursor() as cur, cur.copy(
                "COPY togadesk.ticket (env, number, snapshot, first_recorded_by, fetched_at, fetched_by) FROM STDIN"
        ) as copy:
            for ticket in tickets:
                copy.write_row((ENV, ticket["ticketNumber"], Jsonb(ticket), "bench", fetched, "bench"))
        loaded = time.perf_counter() - started
        ops = sql.SQL("{}.gin_trgm_ops").format(sql.Identifier(trigram_schema(conn)))
        built = {}
        for name, expression in TRIGRAM_INDEXES.items():
            started = time.perf_counter()
            conn.execute(sql.SQL("CREATE INDEX {} ON togadesk.ticket USING gin (({}) {})").format(
                sql.Identifier(name), sql.SQL(expression), ops))
            built[name] = time.perf_counter() - started
        conn.execute("ANALYZE togadesk.ticket")
    return loaded, built


def queries(tickets: list[dict], runs: int, seed: int = 11) -> dict[str, list[str]]:
    rng = random.Random(seed)
    picks = [rng.choice(tickets) for _ in range(runs)]

    def last7(t: dict) -> str:
        d = phone_digits(t["phoneNumber"])
        return f"{d[3:6]}-{d[6:]}"

    return {
        "number": [str(t["ticketNumber"]) for t in picks],
        "phone, formatted (123) 456-7890": [
            "({}) {}-{}".format(*(lambda d: (d[:3], d[3:6], d[6:]))(phone_digits(t["phoneNumber"]))) for t in picks],
        "phone, last 7 digits 456-7890": [last7(t) for t in picks],
        "e-mail part (local part)": [t["emailAddress"].split("@")[0] for t in picks],
        "name (first and last)": [f"{t['firstName']} {t['lastName']}" for t in picks],
        "name (surname only)": [t["lastName"] for t in picks],
        "subject word": [rng.choice(WORDS) for _ in picks],
        "no match": [f"zq{rng.randint(0, 10**6)}x" for _ in picks],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(conninfo: str, tickets: list[dict], runs: int) -> None:
    with TeamRegistry(conninfo, agent="bench") as registry:
        registry.search(ENV, "warm up")
        for kind, texts in queries(tickets, runs).items():
            times, hits = [], []
            for text in texts:
                started = time.perf_counter()
                found = registry.search(ENV, text)
                times.append((time.perf_counter() - started) * 1000)
                hits.append(len(found))
            print(f"  {kind:34} p50 {statistics.median(times):6.1f} ms   p95 {percentile(times, 0.95):6.1f} ms"
                  f"   max {max(times):6.1f} ms   hits (limit 50) median {statistics.median(hits):.0f}")


def run(server: str, count: int, runs: int) -> None:
    with fresh_database(server) as conninfo:
        setup_team(conninfo)
        started = time.perf_counter()
        tickets = generate(count)
        print(f"generated {count:,} tickets in {time.perf_counter() - started:.1f} s")
        loaded, built = load(conninfo, tickets)
        print(f"COPY into togadesk.ticket (generated columns, btree indexes): {loaded:.1f} s")
        print(f"trigram index build, total {sum(built.values()):.1f} s:")
        for name, seconds in built.items():
            print(f"  {name:22} {seconds:5.2f} s")
        with psycopg.connect(conninfo) as conn:
            size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('togadesk.ticket'))").fetchone()[0]
            plan = "\n".join(r[0] for r in conn.execute(
                "EXPLAIN SELECT number FROM togadesk.ticket WHERE env = %s AND (lower(name) LIKE %s"
                " OR lower(email) LIKE %s OR lower(subject) LIKE %s OR lower(message) LIKE %s"
                " OR phone_digits LIKE %s) ORDER BY number DESC LIMIT 50",
                (ENV, "%haddad%", "%haddad%", "%haddad%", "%haddad%", "%4567890%")))
        print(f"table with indexes: {size}")
        print("plan of a name search:\n  " + plan.replace("\n", "\n  "))
        print(f"search via TeamRegistry.search, {runs} queries each, one desk connection on loopback:")
        measure(conninfo, tickets, runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    given = os.environ.get(ENV_VAR)
    if given:
        run(given, args.tickets, args.runs)
        return 0
    bindir = find_bindir()
    if bindir is None:
        print(f"No PostgreSQL: install Debian's postgresql package or set {ENV_VAR}.", file=sys.stderr)
        return 1
    cluster = Cluster(bindir)
    try:
        cluster.start()
        with psycopg.connect(cluster.conninfo) as conn:
            print(conn.execute("SELECT version()").fetchone()[0].split(" on ")[0] + f", bin {bindir}")
        run(cluster.conninfo, args.tickets, args.runs)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
