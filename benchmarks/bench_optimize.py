"""`quizapp optimize` on a ~100k-review log. Budget (DESIGN.md): fitting 100k reviews ≤ 1 s.

The log is the real one in `../shared/fixtures/revlog-josh.csv` (12,580 reviews of 1,205 cards)
written 8 times into a fresh collection's review log: copy k gets its own card ids (`<id>#k`) and
is shifted k × 30 days later, like a learner who keeps adding cards; 100,640 reviews of 9,640
cards in all, study days rolling over at 4 am UTC. Measured, each the median of --runs:

- items: reading the log from SQLite and building the training items (study-day elapsed times);
- fit: fsrs-rs's `compute_parameters` on all the items (the budget's figure);
- split: the five time-series folds (five more fits, each judged with defaults and fitted);
- optimize: the whole use case as `quizapp optimize --dry-run` runs it, retention search included.

    python benchmarks/bench_optimize.py [--runs 5] [--copies 8]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ["TZ"] = "UTC"
time.tzset()

from quizapp.config import Settings  # noqa: E402
from quizapp.core.clock import study_day  # noqa: E402
from quizapp.core.db import open_db  # noqa: E402
from quizapp.core.optimize import card_reviews, evaluate_split, fit_parameters, optimize, training_histories  # noqa: E402

SHARED_JOSH = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "revlog-josh.csv"
JOSH = (
    SHARED_JOSH
    if SHARED_JOSH.exists()
    else Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "revlog-josh.csv"
)
"""The shared fixture, or the copy the tests keep where the shared folder is not beside the checkout."""


def write_log(db, copies: int) -> tuple[int, int]:
    with JOSH.open(newline="") as file:
        rows = sorted(csv.DictReader(file), key=lambda row: row["review_time"])
    records = []
    for k in range(copies):
        seen: set[str] = set()
        for row in rows:
            at = datetime.fromisoformat(row["review_time"]).timestamp() + k * 30 * 86400
            card = f"{row['card_id']}#{k}"
            records.append(
                (
                    card,
                    int(row["review_rating"]),
                    at,
                    int(row["review_duration"]),
                    0 if card not in seen else 2,
                    "{}",
                    study_day(at, 4),
                    "josh",
                )
            )
            seen.add(card)
    db.conn.executemany(
        "insert into reviews (card_id, rating, reviewed_at, duration_ms, state_before, before, day, deck)"
        " values (?, ?, ?, ?, ?, ?, ?, ?)",
        records,
    )
    db.conn.commit()
    return len(records), len({r[0] for r in records})


def timed(function, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=8)
    args = parser.parse_args()
    if not JOSH.exists():
        sys.exit(f"{JOSH} is missing")
    settings = Settings()
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "bench.db")
        reviews, cards = write_log(db, args.copies)
        print(f"log: {reviews:,} reviews of {cards:,} cards ({args.copies} shifted copies of {JOSH.name})")
        items_s, histories = timed(lambda: training_histories(card_reviews(db, settings)), args.runs)
        print(f"items: {len(histories):,} training items built in {items_s * 1000:.0f} ms")
        fit_s, _ = timed(lambda: fit_parameters(histories), args.runs)
        print(f"fit (compute_parameters, all items): {fit_s * 1000:.0f} ms  [budget ≤ 1000 ms]")
        split_s, (before, after) = timed(lambda: evaluate_split(histories), args.runs)
        print(
            f"split (5 folds, 5 fits + evaluation): {split_s * 1000:.0f} ms; defaults log loss "
            f"{before.log_loss:.4f} / RMSE(bins) {before.rmse_bins:.4f}, fitted {after.log_loss:.4f} / "
            f"{after.rmse_bins:.4f}"
        )
        now = datetime.now(UTC)
        whole_s, report = timed(lambda: optimize(db, settings, now, dry_run=True), args.runs)
        print(
            f"optimize --dry-run, whole use case: {whole_s * 1000:.0f} ms (optimal retention "
            f"{report.optimal_retention:.2f}; the collection has no cards, so the simulation is a 1-card deck)"
        )
        db.close()
    print(
        f"items + fit: {(items_s + fit_s) * 1000:.0f} ms  [budget ≤ 1000 ms: "
        f"{'met' if items_s + fit_s <= 1 else 'NOT met'}]"
    )


if __name__ == "__main__":
    main()
