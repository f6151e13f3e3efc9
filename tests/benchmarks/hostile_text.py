"""Hostile text: linkify's cost at 10,000 and 40,000 characters of texts made to defeat regular expressions.

Linear work grows 4x from 10k to 40k characters; the quadratic scan it replaced grew 16x
(``linkify("a" * 40000)`` took 4.7 s). Each figure is the best of several runs, so the ratio
compares the work, not the noise. Run with ``python tests/benchmarks/run.py --only text``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gui.views.thread_html import linkify

CASES: dict[str, Callable[[int], str]] = {
    "one long word": lambda n: "a" * n,
    "hex blob": lambda n: ("0123456789abcdef" * n)[:n],
    "dotted word": lambda n: ("x." * n)[:n],
    "at signs": lambda n: ("a@" * n)[:n],
    "spaces after 'order'": lambda n: "order" + " " * n + "x",
    "dots after http://": lambda n: "http://" + "." * n,
    "words and links": lambda n: ("see http://x.io/a or jane@x.io, order 12345678. " * n)[:n],
}
SIZES = (10_000, 40_000)
TARGET_RATIO = 6.0  # 4.0 is linear; above 6 something is growing faster than the text


def best_seconds(text: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        linkify(text)
        best = min(best, time.perf_counter() - started)
    return best


def bench_text(quick: bool = False) -> list[dict]:
    runs = 3 if quick else 7
    rows = []
    for name, make in CASES.items():
        small, large = (best_seconds(make(size), runs) for size in SIZES)
        rows.append({"name": f"linkify: {name}", "small_ms": small * 1000, "large_ms": large * 1000,
                     "ratio": large / small, "target": TARGET_RATIO})
    return rows


def print_text(rows: list[dict]) -> None:
    for row in rows:
        print(f"{row['name']:44} 10k {row['small_ms']:6.2f} ms, 40k {row['large_ms']:6.2f} ms = "
              f"{row['ratio']:.1f}x (linear 4x, target <= {row['target']:.0f}x)")


if __name__ == "__main__":
    print_text(bench_text())
