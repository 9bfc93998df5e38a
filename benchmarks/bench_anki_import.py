"""`quizapp import` of a large Anki package: 10k notes with 100k reviews, budget ≤ 10 s, with progress.

The package is built from scratch (no `anki` needed) by quizapp's own legacy-package writer, shaped
like a real collection: 10,000 notes (60 % Basic, 20 % Basic (and reversed card), 20 % Cloze with
two deletions: 14,000 cards), 100,000 revlog rows over the past year (learning steps, reviews at
growing intervals, lapses and relearning; Again 10 % / Hard 10 % / Good 70 % / Easy 10 %), HTML
fields with formulas and code, two levels of decks. It prints what it built, then times:

- the whole command in a fresh process (`quizapp --home TMP import PKG`), the budget's figure,
  with its progress lines as they come (stderr), `--runs` times into fresh homes;
- the same import in this process, split into its phases (from the progress messages' times);
- the importing again of the same package (nothing new: the update path).

    python benchmarks/bench_anki_import.py [--notes 10000] [--reviews 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizapp.core.anki.writer import OutCard, OutNote, OutReview, stable_id, write_package

DAY = 86_400
RATINGS = [1] * 10 + [2] * 10 + [3] * 70 + [4] * 10


def build(path: Path, notes: int, reviews: int, now: float, seed: int = 7) -> tuple[int, int, int]:
    rng = random.Random(seed)
    out: list[OutNote] = []
    decks = ["Deep Learning::CNN", "Deep Learning::Sequence", "Deep Learning::Training", "Pandas"]
    for n in range(notes):
        roll = n % 10
        deck = decks[n % len(decks)]
        nid = 1_600_000_000_000 + n
        if roll < 6:
            fields = (
                f"Output size of conv #{n}? <b>K</b>={n % 7}",
                f"\\(\\lfloor (H - K + 2P)/S \\rfloor + 1\\) <br>n={n}",
            )
            note = OutNote(nid, f"g{n}", "basic", fields, ["conv"], deck, [])
            ordinals = [0]
        elif roll < 8:
            fields = (f"term {n}", f"<pre><code>x.permute(0, 2, 1)  # {n}</code></pre>")
            note = OutNote(nid, f"g{n}", "reverse", fields, ["torch"], deck, [])
            ordinals = [0, 1]
        else:
            fields = (
                f"{{{{c1::Adam}}}} keeps {{{{c2::two moments}}}} per weight ({n})",
                "See <i>Kingma</i>.",
            )
            note = OutNote(nid, f"g{n}", "cloze", fields, [], deck, [])
            ordinals = [0, 1]
        note.cards = [OutCard(stable_id(f"card:{n}:{o}"), o) for o in ordinals]
        out.append(note)
    cards = [card for note in out for card in note.cards]
    reviewed = cards[: int(len(cards) * 0.85)]
    per_card = [0] * len(reviewed)
    for _ in range(reviews):
        per_card[rng.randrange(len(reviewed))] += 1
    used: set[int] = set()
    total = 0
    for card, count in zip(reviewed, per_card):
        at = now - rng.uniform(30, 365) * DAY
        interval = 0.0
        state = "learning"
        for _ in range(count):
            ease = rng.choice(RATINGS)
            kind = {"learning": 0, "review": 1, "relearning": 2}[state]
            moment = int(min(at, now - 60) * 1000)
            while moment in used:
                moment += 1
            used.add(moment)
            if state == "review" and ease == 1:
                state, interval = "relearning", 600 / DAY
            elif state != "review" and ease >= 3:
                state, interval = "review", max(interval * 2.5, 1.0)
            elif state == "review":
                interval = max(interval * {2: 1.2, 3: 2.5, 4: 3.5}[ease], 1.0)
            else:
                interval = 600 / DAY
            card.reviews.append(OutReview(moment, ease, rng.randint(1500, 20000), kind, int(interval), 0))
            total += 1
            at += interval * DAY * rng.uniform(0.9, 1.3)
        if count:
            card.type = card.queue = 2
            card.reps = count
    write_package(path, out, created=int(now - 400 * DAY), now=int(now), rollover_hour=4)
    return len(out), len(cards), total


def run_command(home: Path, package: Path) -> tuple[float, list[tuple[float, str]]]:
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "quizapp", "--home", str(home), "import", str(package)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[tuple[float, str]] = []
    assert process.stderr is not None
    for line in process.stderr:
        lines.append((time.perf_counter() - start, line.rstrip()))
    stdout = process.stdout.read() if process.stdout else ""
    if process.wait() != 0:
        raise SystemExit(f"import failed:\n{stdout}\n" + "\n".join(line for _t, line in lines))
    return time.perf_counter() - start, lines


def in_process(home: Path, package: Path) -> list[tuple[float, str]]:
    from quizapp.application.anki import import_package
    from quizapp.application.collection import Collection

    marks: list[tuple[float, str]] = []
    start = time.perf_counter()
    with Collection.open(home) as collection:
        marks.append((time.perf_counter() - start, "collection opened"))
        import_package(
            collection,
            package,
            datetime.now(UTC),
            progress=lambda message: marks.append((time.perf_counter() - start, message)),
        )
        marks.append((time.perf_counter() - start, "done"))
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-anki-") as temp:
        folder = Path(temp)
        package = folder / "big.apkg"
        started = time.perf_counter()
        notes, cards, reviews = build(package, args.notes, args.reviews, time.time())
        print(
            f"built {package.name}: {notes:,} notes, {cards:,} cards, {reviews:,} revlog rows, "
            f"{package.stat().st_size / 1e6:.1f} MB, in {time.perf_counter() - started:.1f} s"
        )
        walls = []
        for run in range(args.runs):
            wall, lines = run_command(folder / f"home-{run}", package)
            walls.append(wall)
            if run == 0:
                print("progress shown by the first run (seconds since start, stderr):")
                for at, line in lines:
                    print(f"  {at:6.2f}  {line}")
            print(f"run {run + 1}: `quizapp import` {wall:.2f} s (fresh process, fresh home)")
        print(f"median of {len(walls)}: {statistics.median(walls):.2f} s (budget 10 s)")
        again, _lines = run_command(folder / "home-0", package)
        print(f"importing the same package again (update, nothing new): {again:.2f} s")
        marks = in_process(folder / "home-inproc", package)
        print("phases, in this process (seconds since the collection began to open):")
        for at, message in marks:
            print(f"  {at:6.2f}  {message}")


if __name__ == "__main__":
    main()
