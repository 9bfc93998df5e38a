"""The card browser's search at 100k cards: one query, counted and its first page (200 rows, each
prompt rendered as in study) fetched, as the browser's search worker runs it. Budget (DESIGN.md):
≤ 50 ms a query.

The collection is built by make_collection.py (100k cards in 10 decks, 1M reviews) and read through
a read-only connection, as the browser reads it: nothing is written into the data timed. Beside each
query, the same run measures a baseline: SQLite reading every row's text once
(`select count(*) from cards where data like '%zzzz%'`), the least a search for a word can cost
without a full-text index. The first time a query runs is reported apart (cold page cache).

    python benchmarks/bench_cards.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_collection import make  # noqa: E402

from quizapp.application.cards import PAGE, search  # noqa: E402
from quizapp.config import Settings  # noqa: E402
from quizapp.core.db import open_reader  # noqa: E402

QUERIES = [
    "",
    "deck:synth-03",
    "tag:t3",
    "kind:cloze",
    "is:new",
    "is:review",
    "is:suspended",
    "is:leech",
    "due:today",
    "due:<7",
    "lapses:>3",
    "deck:synth-05 is:review lapses:>2 -kind:cloze",
    "-is:new",
    "Q04217",
    "lambda",
    "weight decay",
    "answer",
    "zzzz",
]


def timed(function, runs: int) -> tuple[float, list[float]]:
    """The first call's time and the next `runs` calls' times, in ms."""
    started = time.perf_counter()
    function()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return first, times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    _decks, home = make(HERE / ".data" / "c100k", 100_000, 1_000_000)
    db = open_reader(home / "quizapp.db")
    settings, now = Settings(), datetime.now(UTC)
    cards = db.execute("select count(*) from cards where present = 1").fetchone()[0]
    print(f"{cards:,} cards; page of {PAGE}; median of {options.runs} runs after a first one (cold)\n")
    print(f"{'query':<48} {'matches':>8} {'first':>8} {'median':>8} {'max':>8} {'baseline':>9}")
    medians = []
    for query in QUERIES:
        found = search(db, settings, query, now)
        first, times = timed(lambda query=query: search(db, settings, query, now), options.runs)
        _first, base = timed(
            lambda: db.execute("select count(*) from cards where data like '%zzzz%'").fetchone(), options.runs
        )
        medians.append(statistics.median(times))
        print(
            f"{query or '(every card)':<48} {found.total:>8,} {first:>7.1f}  {statistics.median(times):>7.1f}"
            f"  {max(times):>7.1f}  {statistics.median(base):>8.1f}"
        )
    worst = max(medians)
    print(f"\nslowest median {worst:.1f} ms; budget 50 ms: {'met' if worst <= 50 else 'NOT met'}")
    db.close()


if __name__ == "__main__":
    main()
