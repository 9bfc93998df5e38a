"""The card browser's search at 100k cards: one query, counted and its first page (200 rows, each
prompt rendered as in study) fetched, as the browser's search worker runs it. Budget (DESIGN.md):
≤ 50 ms a query.

The collection is built by make_collection.py (100k cards in 10 decks, 1M reviews) and read through
a read-only connection, as the browser reads it: nothing is written into the data timed. Beside each
query, the same run measures a baseline: SQLite reading every row's text once
(`select count(*) from cards where data like '%zzzz%'`), the least a search for a word can cost
without a full-text index. The first time a query runs is reported apart (cold page cache).

Then `is:suspended` and `is:leech` run again on a copy where no card is suspended and none has
lapsed a leech's count (made with SQLite's backup API in a temporary folder, changed, checked, then
timed), and once more on that copy without the partial indexes that serve them (schema 9's
`cards_suspended` and `cards_lapsed`), as schema 8 read them: a scan in deck order learns that
nothing matches only at the last row.

    python benchmarks/bench_cards.py [--runs 7]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
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


NO_MATCH_QUERIES = ["is:suspended", "is:leech"]


def copy_with_no_match(database: Path, folder: Path, settings: Settings) -> Path:
    """`database` copied into `folder` with no card suspended and none lapsed `leech_lapses` times."""
    copy = folder / "quizapp.db"
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.execute("update cards set suspended = 0, lapses = min(lapses, ?)", [settings.leech_lapses - 1])
    target.commit()
    left = target.execute(
        "select count(*) from cards where suspended = 1 or lapses >= ?", [settings.leech_lapses]
    ).fetchone()[0]
    target.close()
    if left:
        raise SystemExit(f"the copy still has {left} suspended or leech cards")
    return copy


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
    medians = [time_queries(db, settings, now, QUERIES, options.runs)]
    db.close()
    with tempfile.TemporaryDirectory() as folder:
        copy = copy_with_no_match(home / "quizapp.db", Path(folder), settings)
        print("\nthe same collection with no card suspended and none a leech:")
        db = open_reader(copy)
        medians.append(time_queries(db, settings, now, NO_MATCH_QUERIES, options.runs))
        db.close()
        writer = sqlite3.connect(copy)
        writer.execute("drop index cards_suspended")
        writer.execute("drop index cards_lapsed")
        writer.close()
        print("\nthe same again without the partial indexes cards_suspended and cards_lapsed (schema 8):")
        db = open_reader(copy)
        time_queries(db, settings, now, NO_MATCH_QUERIES, options.runs)
        db.close()
    worst = max(medians)
    print(f"\nslowest median {worst:.1f} ms; budget 50 ms: {'met' if worst <= 50 else 'NOT met'}")


def time_queries(db, settings: Settings, now: datetime, queries: list[str], runs: int) -> float:
    """Print each query's matches, first and median times beside the baseline; the slowest median."""
    medians = []
    for query in queries:
        found = search(db, settings, query, now)
        first, times = timed(lambda query=query: search(db, settings, query, now), runs)
        _first, base = timed(
            lambda: db.execute("select count(*) from cards where data like '%zzzz%'").fetchone(), runs
        )
        medians.append(statistics.median(times))
        print(
            f"{query or '(every card)':<48} {found.total:>8,} {first:>7.1f}  {statistics.median(times):>7.1f}"
            f"  {max(times):>7.1f}  {statistics.median(base):>8.1f}"
        )
    return max(medians)


if __name__ == "__main__":
    main()
