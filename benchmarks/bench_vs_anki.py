"""Grade → next card, quizapp against Anki 26.9.3 (its Rust core through the `anki` package), in one
run, on the same machine and the same storage, at 100k notes (120k cards) and 1M reviews.

Each answer is timed from the grade to the next card ready to show:
- quizapp: `StudySession.rate` (FSRS, the card and its log row committed, siblings buried), the
  next card, the progress counts and the next card's interval per grade (`preview`);
- Anki: `build_answer` + `answer_card` (the same commit) and `get_queued_cards`, which returns the
  next card, its four next states and the counts.
Both answer Good four times in five and Again once, with a 9,999 reviews/day limit (Anki's highest)
and 20 new cards a day, on a fresh copy of their collection per run. `--today N …` first logs N
reviews earlier today: the time must stay flat as the day goes on.

Anki is not a quizapp dependency: it runs in its own venv (`--anki-python`; by default
`benchmarks/.venv-anki`, created with `pip install anki==26.9.3` on first use) through
`anki_side.py`, and the rounds alternate between the two.

    python benchmarks/bench_vs_anki.py [--answers 300] [--rounds 3] [--today 0 2500 5000 10000]
                                       [--work DIR]   # e.g. /dev/shm/q for tmpfs (CPU only)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_grade import log_today, percentile  # noqa: E402
from make_collection import make  # noqa: E402

from quizapp.application.collection import Collection  # noqa: E402
from quizapp.config import Settings  # noqa: E402
from quizapp.core.clock import utc_now  # noqa: E402
from quizapp.core.study import StudySession  # noqa: E402

ANKI = "anki==26.9.3"


def quizapp_run(
    work: Path, answers: int, today: int, synchronous: str = "normal"
) -> tuple[list[float], list[float]]:
    """Per answer: the whole grade → next card time, and the part spent in `rate`."""
    decks, made = make(HERE / ".data" / "c100k", 100_000, 1_000_000)
    home = work / "quizapp-home"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(made, home)  # answering writes: a fresh copy per run
    collection = Collection.open(home, [decks], builtin=False)
    collection.db.checkpoint_in_background()  # as the app does
    collection.db.execute(f"pragma synchronous = {synchronous}")
    if today:
        log_today(collection, today)
    # The limit stays above what was logged today, as in Anki, where those rows touch no daily counter.
    study = StudySession(collection.db, Settings(reviews_per_day=9999 + today, new_cards_per_day=20))
    now = utc_now()
    card = study.next_card(now)
    study.counts(now)
    total, rating = [], []
    for i in range(answers):
        now += timedelta(seconds=7)
        started = time.perf_counter()
        study.rate(card.id, 3 if i % 5 else 1, now, duration_ms=5000)
        rated = time.perf_counter()
        card = study.next_card(now)
        study.counts(now)
        study.preview(card.id, now)
        done = time.perf_counter()
        total.append((done - started) * 1000)
        rating.append((rated - started) * 1000)
    collection.close()
    return total, rating


def anki_run(python: Path, work: Path, answers: int, today: int) -> dict:
    out = subprocess.run(
        [
            str(python),
            str(HERE / "anki_side.py"),
            "--data",
            str(HERE / ".data" / "anki100k"),
            "--work",
            str(work / "anki"),
            "--answers",
            str(answers),
            "--today",
            str(today),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def anki_python(given: Path | None) -> Path:
    if given is not None:
        return given
    venv = HERE / ".venv-anki"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} with {ANKI} (once)…", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", ANKI], check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--today", type=int, nargs="+", default=[0, 2500, 5000, 10000])
    parser.add_argument(
        "--work", type=Path, default=None, help="where the runs' copies go (default: a temp dir)"
    )
    parser.add_argument("--anki-python", type=Path, default=None)
    parser.add_argument(
        "--synchronous",
        choices=("normal", "full"),
        default="normal",
        help="quizapp's commits: normal (its setting: safe when the process dies) or full "
        "(an fsync per answer, as Anki: safe in a power cut too)",
    )
    args = parser.parse_args()
    python = anki_python(args.anki_python)
    work = Path(tempfile.mkdtemp(prefix="bench-vs-anki-", dir=args.work))
    print(f"building / checking both collections (cached in {HERE / '.data'}) …", flush=True)
    anki_run(python, work, 1, 0)
    quizapp_run(work, 1, 0)
    made = sqlite3.connect(HERE / ".data" / "c100k" / "home" / "quizapp.db")
    cards, reviews = (
        made.execute(f"select count(*) from {table}").fetchone()[0] for table in ("cards", "reviews")
    )
    made.close()
    print(f"quizapp's collection: {cards} cards, {reviews} reviews")
    print(
        f"storage: {work}; {args.answers} answers per run, {args.rounds} rounds alternating quizapp / Anki; "
        f"quizapp's commits synchronous={args.synchronous}, Anki's full\n"
    )
    print(
        "| reviews logged today | quizapp grade → next: median / p95 / mean | of which `rate` (median) "
        "| Anki: median / p95 / mean | quizapp ÷ Anki (median) |"
    )
    print("| --- | --- | --- | --- | --- |")
    for today in args.today:
        ours, rate, theirs = [], [], []
        for _ in range(args.rounds):
            total, rating = quizapp_run(work, args.answers, today, args.synchronous)
            ours += total
            rate += rating
            result = anki_run(python, work, args.answers, today)
            theirs += result["ms"]
        q, a = statistics.median(ours), statistics.median(theirs)
        print(
            f"| {today:,} | {q:.3f} / {percentile(ours, 0.95):.3f} / {statistics.mean(ours):.3f} ms "
            f"| {statistics.median(rate):.3f} ms | {a:.3f} / {percentile(theirs, 0.95):.3f} / "
            f"{statistics.mean(theirs):.3f} ms | {q / a:.2f} |",
            flush=True,
        )
    print(
        f"\nAnki's collection: {result['cards']} cards, {result['reviews']} review-log rows at the end of the last "
        f"run (every answer committed, read back by another connection); its counts then {result['counts']}"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
