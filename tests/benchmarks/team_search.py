"""Team registry search at scale: p50/p95 per kind of query and the time to build each search index.

    python tests/benchmarks/team_search.py [--tickets 1000000] [--runs 200] [--keep NAME]

Uses the PostgreSQL in TOGADESK_TEST_POSTGRES (a superuser conninfo; a database of its own is created
and dropped, or kept under NAME with --keep, for EXPLAIN by hand) or starts a throwaway cluster as
the team tests do. Tickets are generated one at a time (names, e-mail addresses, phone numbers in
mixed formats, subjects and messages from the benchmark word lists) and bulk-loaded with COPY without
the trigram indexes, which are then built and timed one by one. Each query goes through
``TeamRegistry.search``, the desk's own call (every field at once, as typed). run.py's ``team`` group
calls ``bench_search`` (1,000,000 tickets in a full run, a small registry with --quick).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from gui.team import TeamRegistry, phone_digits, setup_team
from gui.team.schema import TRIGRAM_INDEXES, search_statistics, trigram_schema
from tests.benchmarks.data import NAMES, SURNAMES, WORDS
from tests.team_postgres import ENV_VAR, Cluster, find_bindir, fresh_database, with_database

ENV = "https://bench.example"
DOMAINS = ["example.com", "contoso.org", "mail.example.net", "fabrikam.co.uk", "acme.io"]
PHONE_FORMATS = ["({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "+1 {a} {b} {c}", "{a}{b}{c}"]
TARGET_P95_MS = 50.0
# The kinds the issue sets a target for (p95 < 50 ms each); the others are shown for the picture.
TARGET_KINDS = ("phone, formatted (123) 456-7890", "phone, last 7 digits 456-7890", "e-mail part (local part)",
                "name (first and last)", "name (surname only)", "subject word")


def generate(count: int, seed: int = 7) -> Iterator[dict]:
    """``count`` tickets as the vendor's JSON, one at a time (a million do not need to sit in memory)."""
    rng = random.Random(seed)
    for i in range(count):
        first, last = rng.choice(NAMES), rng.choice(SURNAMES)
        local = f"{first}.{last}{rng.randint(1, 99_999)}".lower().replace("ü", "u")
        digits = f"{rng.randint(200, 999)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        phone = rng.choice(PHONE_FORMATS).format(a=digits[:3], b=digits[3:6], c=digits[6:])
        yield {
            "ticketNumber": 10_000_000 + i * 7,
            "subject": " ".join(rng.choices(WORDS, k=rng.randint(3, 6))).capitalize(),
            "message": " ".join(rng.choices(WORDS, k=rng.randint(15, 60))) + ".",
            "status": rng.choice(["NEW_TICKET", "OPEN", "IN_PROGRESS", "CLOSED"]),
            "priority": rng.choice(["LOW", "NORMAL", "HIGH"]),
            "firstName": first, "lastName": last, "emailAddress": f"{local}@{rng.choice(DOMAINS)}",
            "phoneNumber": phone, "replies": [],
        }


def copy_tickets(conn: psycopg.Connection, tickets: Iterator[dict], env: str, wanted: set[int],
                 fetched: datetime | None = None) -> dict[int, dict]:
    """COPYs ``tickets`` into togadesk.ticket; returns the ones at the positions in ``wanted``."""
    fetched = fetched or datetime.now(UTC) - timedelta(hours=1)
    kept = {}
    with conn.cursor() as cur, cur.copy(
            "COPY togadesk.ticket (env, number, snapshot, first_recorded_by, fetched_at, fetched_by) FROM STDIN"
    ) as copy:
        for i, ticket in enumerate(tickets):
            if i in wanted:
                kept[i] = ticket
            copy.write_row((env, ticket["ticketNumber"], Jsonb(ticket), "bench", fetched, "bench"))
    return kept


def load(conninfo: str, count: int, wanted: set[int]) -> tuple[float, dict[str, float], dict[int, dict], str]:
    """COPY the tickets in without the trigram indexes, then build each; returns the seconds taken, the
    tickets at the ``wanted`` positions (to search for) and the server's maintenance_work_mem."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for name in TRIGRAM_INDEXES:
            conn.execute(sql.SQL("DROP INDEX togadesk.{}").format(sql.Identifier(name)))
        started = time.perf_counter()
        kept = copy_tickets(conn, generate(count), ENV, wanted)
        loaded = time.perf_counter() - started
        ops = sql.SQL("{}.gin_trgm_ops").format(sql.Identifier(trigram_schema(conn)))
        built = {}
        for name, expression in TRIGRAM_INDEXES.items():
            started = time.perf_counter()
            conn.execute(sql.SQL("CREATE INDEX {} ON togadesk.ticket USING gin (({}) {})").format(
                sql.Identifier(name), sql.SQL(expression), ops))
            built[name] = time.perf_counter() - started
        search_statistics(conn)  # what migration 3 set on the indexes just dropped and built again
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE togadesk.ticket")  # what autovacuum does after a bulk load, done now
        built["(vacuum analyze)"] = time.perf_counter() - started
        memory = conn.execute("SHOW maintenance_work_mem").fetchone()[0]
    return loaded, built, kept, memory


def queries(picks: list[dict], seed: int = 11) -> dict[str, list[str]]:
    rng = random.Random(seed)

    def last7(t: dict) -> str:
        d = phone_digits(t["phoneNumber"])[-10:]  # without the +1 that some are written with
        return f"{d[3:6]}-{d[6:]}"

    return {
        "number": [str(t["ticketNumber"]) for t in picks],
        "phone, formatted (123) 456-7890": [
            "({}) {}-{}".format(*(lambda d: (d[:3], d[3:6], d[6:]))(phone_digits(t["phoneNumber"])[-10:]))
            for t in picks],
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


def measure(conninfo: str, picks: list[dict]) -> list[dict]:
    """Every query of every kind through ``TeamRegistry.search``: p50/p95/max, hits, the slowest query."""
    results = []
    with TeamRegistry(conninfo, agent="bench") as registry:
        registry.search(ENV, "warm up")
        for kind, texts in queries(picks).items():
            times, hits = [], []
            for text in texts:
                started = time.perf_counter()
                found = registry.search(ENV, text)
                times.append((time.perf_counter() - started) * 1000)
                hits.append(len(found))
            slowest = max(range(len(times)), key=times.__getitem__)
            results.append({"kind": kind, "queries": len(times), "p50_ms": statistics.median(times),
                            "p95_ms": percentile(times, 0.95), "max_ms": max(times),
                            "hits_median": statistics.median(hits), "slowest": texts[slowest],
                            "target": kind in TARGET_KINDS})
    return results


NAME_PLAN = ("EXPLAIN SELECT number FROM togadesk.ticket WHERE env = %s AND (lower(name) LIKE %s"
             " OR lower(email) LIKE %s OR lower(subject) LIKE %s OR lower(message) LIKE %s"
             " OR phone_digits LIKE %s) ORDER BY number DESC LIMIT 50")


@contextmanager
def _database(server: str, keep: str | None) -> Iterator[str]:
    if keep is None:
        with fresh_database(server) as conninfo:
            yield conninfo
        return
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(keep)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(keep)))
    yield with_database(server, keep)


def bench_search(server: str, count: int, runs: int, *, keep: str | None = None) -> dict:
    """A registry of ``count`` generated tickets on ``server``: load, index build, ``runs`` searches per kind."""
    rng = random.Random(11)
    positions = [rng.randrange(count) for _ in range(runs)]
    with _database(server, keep) as conninfo:
        setup_team(conninfo)
        loaded, built, kept, memory = load(conninfo, count, set(positions))
        with psycopg.connect(conninfo) as conn:
            size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('togadesk.ticket'))").fetchone()[0]
            plan = "\n".join(r[0] for r in conn.execute(
                NAME_PLAN, (ENV, "%haddad%", "%haddad%", "%haddad%", "%haddad%", "%4567890%")))
        kinds = measure(conninfo, [kept[i] for i in positions])
    index_s = sum(s for name, s in built.items() if name in TRIGRAM_INDEXES)
    return {"name": f"team search, {count:,} tickets", "tickets": count, "runs": runs, "copy_s": loaded,
            "index_s": index_s, "built_s": built, "maintenance_work_mem": memory, "size": size, "plan": plan,
            "kinds": kinds}


def print_search(result: dict, *, details: bool = True) -> None:
    """The search figures beside their target (p95 < 50 ms per field)."""
    name = result["name"]
    print(f"{name:44} COPY {result['copy_s']:.1f} s; trigram indexes built in {result['index_s']:.1f} s "
          f"(maintenance_work_mem {result['maintenance_work_mem']}; "
          + ", ".join(f"{k} {v:.1f} s" for k, v in result["built_s"].items())
          + f"); table with indexes {result['size']}")
    for row in result["kinds"]:
        target = f"(target p95 < {TARGET_P95_MS:.0f})" if row["target"] else "(no target)"
        verdict = "" if not row["target"] else (" ok" if row["p95_ms"] < TARGET_P95_MS else " MISSED")
        print(f"  {'search by ' + row['kind']:42} p50 {row['p50_ms']:6.1f} / p95 {row['p95_ms']:6.1f} ms "
              f"{target}{verdict}; max {row['max_ms']:6.1f} ms for {row['slowest']!r};"
              f" hits (limit 50) median {row['hits_median']:.0f}")
    if details:
        print("  plan of a name search:\n    " + result["plan"].replace("\n", "\n    "))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", metavar="NAME", help="load into database NAME and leave it there (no cleanup)")
    args = parser.parse_args()
    given = os.environ.get(ENV_VAR)
    if given:
        print_search(bench_search(given, args.tickets, args.runs, keep=args.keep))
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
        print_search(bench_search(cluster.conninfo, args.tickets, args.runs))
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
