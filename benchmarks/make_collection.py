"""Generate a synthetic collection: deck files with N cards, and a home whose database holds a
review history of R reviews (card states spread like a collection in use).

    python benchmarks/make_collection.py --cards 10000 --reviews 100000 --out benchmarks/.data/c10k
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import time
from pathlib import Path

from quizapp.application.collection import Collection
from quizapp.config import Settings
from quizapp.core.clock import study_day
from quizapp.core.db import SCHEMA_VERSION

DECKS = 10
KINDS = ("basic", "cloze", "choice", "type", "reverse")


def write_decks(folder: Path, cards: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    per_deck = cards // DECKS
    for d in range(DECKS):
        lines = ["quizapp: 1", f"deck: {{id: synth-{d:02d}, title: 'Synthetic {d:02d}'}}", "cards:"]
        for i in range(per_deck):
            n = d * per_deck + i
            kind = KINDS[n % len(KINDS)]
            lines.append(f"  - id: c{n:06d}")
            lines.append(f"    kind: {kind}")
            lines.append(f"    tags: [t{n % 7}]")
            if kind in ("basic", "reverse"):
                lines.append(
                    f"    front: 'Q{n:05d} output size $\\lfloor \\frac{{H-K+2P}}{{S}} \\rfloor + 1$ 卷积'"
                )
                lines.append(f"    back: 'Answer {n} with `code` and text'")
            elif kind == "cloze":
                lines.append(
                    f"    text: 'Q{n:05d} weight decay adds {{{{c1::$\\frac{{\\lambda}}{{2}}\\|w\\|^2$}}}} to the loss'"
                )
            elif kind == "choice":
                lines.append(f"    question: Q{n:05d} which one?")
                lines.append("    options: [alpha, beta, gamma]")
                lines.append("    answer: beta")
            else:
                lines.append(f"    question: Q{n:05d} type it")
                lines.append("    answer: df.loc[df.a > 0]")
        (folder / f"synth-{d:02d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def add_history(db_path: Path, reviews: int, seed: int = 7) -> None:
    """Give cards review states and append `reviews` log rows, spread over the past year."""
    rng = random.Random(seed)
    now = time.time()
    conn = sqlite3.connect(db_path)
    ids = [row[0] for row in conn.execute("select id from cards order by id")]
    reviewed = ids[: int(len(ids) * 0.8)]  # a fifth stays new
    updates = []
    for card_id in reviewed:
        stability = rng.uniform(0.5, 200)
        due = now + rng.uniform(-20, 60) * 86400
        # One card in a hundred is a leech (suspended, as the leech rule leaves it); one more is
        # suspended by hand.
        leech = rng.random() < 0.01
        updates.append(
            (
                2,
                stability,
                rng.uniform(1, 10),
                due,
                due - stability * 86400,
                rng.randint(1, 30),
                rng.randint(8, 15) if leech else rng.randint(0, 5),
                int(leech or rng.random() < 0.01),
                card_id,
            )
        )
    conn.executemany(
        "update cards set state=?, stability=?, difficulty=?, due=?, last_review=?, reps=?, lapses=?, "
        "suspended=? where id=?",
        updates,
    )
    before = json.dumps(
        {
            "state": 2,
            "step": None,
            "stability": 10.0,
            "difficulty": 5.0,
            "due": now,
            "last_review": now - 864000,
            "reps": 3,
            "lapses": 0,
        }
    )
    deck_of = dict(conn.execute("select id, deck from cards"))
    insert = (
        "insert into reviews (card_id, rating, reviewed_at, duration_ms, state_before, before, state, "
        "stability, difficulty, due, deck, day) values (?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    batch = []
    for _i in range(reviews):
        at = now - rng.uniform(0, 365) * 86400
        card_id = rng.choice(reviewed)
        # deck and study day as `StudySession.rate` writes them: stats read the log through them
        batch.append(
            (
                card_id,
                rng.choice((1, 3, 3, 3, 3, 4, 2)),
                at,
                rng.randint(1500, 20000),
                2,
                before,
                2,
                10.0,
                5.0,
                at + 864000,
                deck_of[card_id],
                study_day(at, Settings().day_starts_at_hour),
            )
        )
        if len(batch) == 50_000:
            conn.executemany(insert, batch)
            batch.clear()
    if batch:
        conn.executemany(insert, batch)
    conn.commit()
    conn.execute("vacuum")
    conn.close()


def make(out: Path, cards: int, reviews: int) -> tuple[Path, Path]:
    """Build (or reuse) a collection; returns (deck folder, home)."""
    decks, home = out / "decks", out / "home"
    # v2: reviews carry their deck and study day; v3: leeches and suspended cards; the schema's
    # version: its indexes are timed too
    marker = out / f"done-{cards}-{reviews}-v3-schema{SCHEMA_VERSION}"
    if marker.exists():
        return decks, home
    shutil.rmtree(out, ignore_errors=True)  # an older build: made again, never migrated in place
    write_decks(decks, cards)
    collection = Collection.open(home, [decks], builtin=False)
    collection.close()
    add_history(home / "quizapp.db", reviews)
    marker.write_text("ok")
    return decks, home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    decks, home = make(args.out, args.cards, args.reviews)
    print(f"decks in {decks}, home in {home} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
