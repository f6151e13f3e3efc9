"""Benchmarks: figures, not pass/fail. Each is measured beside its reference in the same run.

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/run.py [--quick] [--json results.json]

--quick runs small sizes so CI can prove the benchmarks still work (seconds, not minutes).
Not yet covered (benchmark issue): UI heartbeat lateness, start-up time, refresh of 1,000 tickets.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import requests  # noqa: E402

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient  # noqa: E402
from gui.api.signing import auth_headers  # noqa: E402

WORDS = ["printer", "office", "outlook", "password", "wifi", "battery", "boot", "screen", "keyboard", "webcam",
         "teams", "windows", "upgrade", "fan", "docking", "monitor", "license", "vpn", "backup", "slow"]
NAMES = ["Jane", "John", "Maria", "Wei", "Omar", "Priya", "Lukas", "Aisha", "Carlos", "Fatima", "Tom", "Ines"]
SURNAMES = ["Doe", "Smith", "Garcia", "Patel", "Müller", "Haddad", "Lopez", "Khan", "Rossi", "Zhang", "Dubois"]
STATUSES = ["NEW_TICKET", "OPEN", "IN_PROGRESS", "AWAITING_USER", "REVIEW", "CLOSED"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# ------------------------------------------------------------------ sandbox and client

def start_sandbox() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--sandbox", "--port", "0",
                                "--log-level", "WARNING"], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    return process, line.split(" on ", 1)[1]


def timed_calls(call, count: int, threads: int) -> tuple[float, list[float]]:
    durations: list[float] = []

    def one(_: int) -> None:
        started = time.perf_counter()
        call()
        durations.append(time.perf_counter() - started)

    wall = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(count)))
    return time.perf_counter() - wall, durations


def bench_client(count: int) -> list[dict]:
    """Signed get_ticket through TogaClient against a plain requests.Session GET of the same URL."""
    process, url = start_sandbox()
    results = []
    try:
        with TogaClient(url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as client:
            plain = requests.Session()
            target = f"{url}/ticket/12345678"
            for threads in (1, 8):
                headers = auth_headers(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY)  # valid for minutes: same server work
                plain_wall, plain_times = timed_calls(lambda h=headers: plain.get(target, headers=h, timeout=10),
                                                      count, threads)
                ours_wall, ours_times = timed_calls(lambda: client.get_ticket(12345678), count, threads)
                results.append({
                    "name": f"client get_ticket, {threads} thread(s)", "requests": count,
                    "ours_median_ms": statistics.median(ours_times) * 1000,
                    "plain_median_ms": statistics.median(plain_times) * 1000,
                    "ratio": statistics.median(ours_times) / statistics.median(plain_times),
                    "ours_per_s": count / ours_wall, "plain_per_s": count / plain_wall,
                })
    finally:
        process.terminate()
        process.wait(10)
    single, multi = results
    multi["throughput_vs_1_thread"] = multi["ours_per_s"] / single["ours_per_s"]
    return results


# ------------------------------------------------------------------ the list at scale

def make_rows(count: int, seed: int = 1):
    from gui.store import TicketRow

    rng = random.Random(seed)
    rows = []
    for i in range(count):
        subject = " ".join(rng.choices(WORDS, k=rng.randint(3, 6))).capitalize()
        name = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}"
        email = name.lower().replace(" ", ".").replace("ü", "u") + "@example.com"
        number = 10_000_000 + i * 7
        activity = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00+00:00"
        rows.append(TicketRow(number, subject, name, email, rng.choice(STATUSES), rng.choice(["LOW", "NORMAL", "HIGH"]),
                              rng.randint(0, 30), activity, rng.random() < 0.03,
                              f"{number} {subject} {name} {email}".casefold()))
    return rows


def bench_list(sizes: list[int]) -> list[dict]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from gui.models.ticket_table import HEADERS, TicketTableModel

    app = QApplication.instance() or QApplication([])
    results = []
    typing = ["p", "pr", "pri", "prin", "print", "printe", "printer", "printer ", "printer o", "printer of",
              "printer off", "printer offi", "printer", "print", "b", "bo", "boo", "boot"]
    for size in sizes:
        rows = make_rows(size)
        model = TicketTableModel()
        view = QTableView()
        view.setModel(model)
        view.resize(1000, 700)
        view.show()
        app.processEvents()
        started = time.perf_counter()
        model.set_rows(rows)
        view.viewport().repaint()
        shown_ms = (time.perf_counter() - started) * 1000
        repaints = []
        for _ in range(10):  # the reference: what one repaint of this view costs with nothing changed
            started = time.perf_counter()
            view.viewport().repaint()
            repaints.append((time.perf_counter() - started) * 1000)
        keystrokes = []
        for text in typing:
            started = time.perf_counter()
            model.set_filter(text)
            view.viewport().repaint()
            keystrokes.append((time.perf_counter() - started) * 1000)
        model.set_filter("")
        sorts = {}
        for column, header in enumerate(HEADERS):
            started = time.perf_counter()
            model.sort(column, Qt.SortOrder.AscendingOrder)
            view.viewport().repaint()
            sorts[header or "unread"] = (time.perf_counter() - started) * 1000
        results.append({
            "name": f"ticket list, {size:,} rows", "rows": size, "show_ms": shown_ms,
            "repaint_only_median_ms": statistics.median(repaints),
            "filter_median_ms": statistics.median(keystrokes), "filter_p95_ms": percentile(keystrokes, 0.95),
            "sort_max_ms": max(sorts.values()), "sort_ms": sorts,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        })
        view.close()
        view.deleteLater()
        app.processEvents()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    sizes = [1_000, 5_000] if args.quick else [1_000, 10_000, 100_000]
    client_count = 200 if args.quick else 3_000
    results = {"list": bench_list(sizes), "client": bench_client(client_count)}
    print(f"{'benchmark':38} figures")
    for row in results["list"]:
        print(f"{row['name']:38} shown {row['show_ms']:.0f} ms (target < 1000); "
              f"filter median {row['filter_median_ms']:.1f}"
              f" / p95 {row['filter_p95_ms']:.1f} ms (target p95 < 20; a bare repaint alone "
              f"{row['repaint_only_median_ms']:.1f}); slowest sort {row['sort_max_ms']:.0f} ms"
              f" (target < 100); max RSS {row['max_rss_mb']:.0f} MB (target < 300)")
    for row in results["client"]:
        extra = f"; 8 threads give {row['throughput_vs_1_thread']:.1f}x one" if "throughput_vs_1_thread" in row else ""
        print(f"{row['name']:38} median {row['ours_median_ms']:.2f} ms "
              f"vs plain requests {row['plain_median_ms']:.2f} ms"
              f" = {row['ratio']:.2f}x (target <= 1.1x); {row['ours_per_s']:.0f} req/s{extra}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
