"""Grade → next card at 100k cards and 1M reviews: what happens between the learner's key press and
the next card (FSRS review + SQLite commit of state and log, next-card query, progress counts).

Baseline in the same run: fsrs `review_card` alone plus one bare sqlite3 UPDATE+INSERT+COMMIT on
the same file, i.e. the least any FSRS-on-SQLite app must do. Budget (DESIGN.md): ≤ 5 ms median.

    python benchmarks/bench_grade.py [--answers 300]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from fsrs import Card, Rating, Scheduler  # noqa: E402
from make_collection import make  # noqa: E402

from quizapp.application.collection import Collection  # noqa: E402
from quizapp.config import Settings  # noqa: E402
from quizapp.core.clock import utc_now  # noqa: E402
from quizapp.core.study import StudySession  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * q), len(ordered) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument(
        "--today",
        type=int,
        default=0,
        help="reviews already logged today (added to the run's copy): the time must stay flat",
    )
    args = parser.parse_args()
    decks, made = make(HERE / ".data" / "c100k", 100_000, 1_000_000)
    # Grading writes: it works on a fresh copy each run, so the data it times never drifts.
    scratch = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    home = scratch / "home"
    shutil.copytree(made, home)
    collection = Collection.open(home, [decks], builtin=False)
    if args.today:
        log_today(collection, args.today)
    # No daily limit in the way: the run answers more cards than Anki's default 200 reviews a day.
    study = StudySession(collection.db, Settings(reviews_per_day=1_000_000))
    now = utc_now()
    quizapp_ms, counts_ms, baseline_ms = [], [], []
    scheduler = Scheduler()
    raw = sqlite3.connect(home / "quizapp.db", isolation_level=None)
    raw.execute("pragma synchronous = normal")
    card = study.next_card(now)
    for i in range(args.answers):
        now += timedelta(seconds=7)
        started = time.perf_counter()
        study.rate(card.id, 3 if i % 5 else 1, now, duration_ms=5000)
        card = study.next_card(now)
        quizapp_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        study.counts(now)  # the progress line, refreshed just after the next card is drawn
        counts_ms.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        reviewed, _ = scheduler.review_card(Card(card_id=0, due=now), Rating.Good, review_datetime=now)
        raw.execute("begin immediate")
        raw.execute("update cards set stability = ? where id = ?", [reviewed.stability, card.id])
        raw.execute(
            "insert into reviews (card_id, rating, reviewed_at, state_before, before) values (?, 3, ?, 0, '{}')",
            [card.id, now.timestamp()],
        )
        raw.execute("commit")
        baseline_ms.append((time.perf_counter() - started) * 1000)
    reviews = collection.db["reviews"].count
    cards = collection.db["cards"].count
    q, b = statistics.median(quizapp_ms), statistics.median(baseline_ms)
    print(f"collection: {cards} cards, {reviews} reviews ({args.today} of them logged earlier today)")
    print(
        f"quizapp grade→next : median {q:.2f} ms, p95 {percentile(quizapp_ms, 0.95):.2f} ms  (budget ≤ 5 ms median)"
    )
    print(f"progress counts    : median {statistics.median(counts_ms):.2f} ms (after the card is on screen)")
    print(f"baseline fsrs+commit: median {b:.2f} ms, p95 {percentile(baseline_ms, 0.95):.2f} ms")
    print(f"ratio              : {q / b:.2f} ×")
    collection.close()
    raw.close()
    shutil.rmtree(scratch, ignore_errors=True)


def log_today(collection: Collection, count: int) -> None:
    """`count` answers to review cards earlier today, as `StudySession.rate` logs them."""
    from quizapp.core.clock import study_day

    now = utc_now().timestamp()
    rows = list(collection.db.execute("select id, deck from cards where state = 2 limit ?", [count]))
    with collection.db.conn:
        collection.db.conn.executemany(
            "insert into reviews (card_id, deck, day, rating, reviewed_at, duration_ms, state_before, before, state) "
            "values (?, ?, ?, 3, ?, 5000, 2, '{}', 2)",
            [
                (
                    card_id,
                    deck,
                    study_day(now - 60, 4),
                    now - 60 - i * 0.001,
                )
                for i, (card_id, deck) in enumerate(rows)
            ],
        )


if __name__ == "__main__":
    main()
