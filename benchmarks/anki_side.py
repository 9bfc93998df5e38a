"""Anki's half of `bench_vs_anki.py`: run by the Python of a venv that has `anki` installed (not a
quizapp dependency), it builds (once) an Anki collection shaped like `make_collection.py`'s and
times grade → next card through Anki's own Rust core.

    <anki venv>/bin/python benchmarks/anki_side.py --data DIR --work DIR --answers 300 [--today N]

Prints one JSON object: the collection's size and the per-answer times in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import time
from pathlib import Path

from anki.cards import Card
from anki.collection import Collection  # first: anki.cards imports it back
from anki.scheduler.v3 import CardAnswer

CARDS = 120_000
REVIEWS = 1_000_000
MARKER = f"done-{CARDS}-{REVIEWS}-v1"


def build(folder: Path) -> Path:
    """A collection with 120k Basic cards, a fifth new and the rest in review (FSRS memory states,
    due from 20 days ago to 60 days ahead), and 1M review-log rows over the past year: the shape of
    `make_collection.py`'s quizapp collection, with the same seed."""
    path = folder / "collection.anki2"
    if (folder / MARKER).exists():
        return path
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    col = Collection(str(path))
    col.set_config("fsrs", True)
    config = col.decks.config_dict_for_deck_id(1)
    config["new"]["perDay"] = 20  # quizapp's default new cards a day
    config["rev"]["perDay"] = 9999  # Anki's highest; quizapp runs with the same limit
    config["new"]["delays"] = [1.0, 10.0]
    config["lapse"]["delays"] = [10.0]
    config["desiredRetention"] = 0.9
    col.decks.update_config(config)
    basic = col.models.by_name("Basic")
    for start in range(0, CARDS, 10_000):
        requests = []
        for n in range(start, min(start + 10_000, CARDS)):
            note = col.new_note(basic)
            note["Front"] = f"Q{n:06d} output size"
            note["Back"] = f"Answer {n}"
            requests.append(_request(note))
        col.add_notes(requests)
    rng = random.Random(7)
    now = time.time()
    today = col.sched.today
    ids = col.db.list("select id from cards order by id")
    reviewed = ids[: int(len(ids) * 0.8)]
    rows = []
    for card_id in reviewed:
        stability = rng.uniform(0.5, 200)
        due_in_days = int(rng.uniform(-20, 60))
        interval = max(int(stability), 1)
        data = json.dumps(
            {
                "s": round(stability, 3),
                "d": round(rng.uniform(1, 10), 3),
                "dr": 0.9,
                "lrt": int(now + (due_in_days - interval) * 86400),
            }
        )
        rows.append((today + due_in_days, interval, rng.randint(1, 30), rng.randint(0, 5), data, card_id))
    col.close()
    conn = sqlite3.connect(path)
    conn.executemany(
        "update cards set type = 2, queue = 2, due = ?, ivl = ?, reps = ?, lapses = ?, data = ?, "
        "factor = 2500 where id = ?",
        rows,
    )
    revlog = []
    taken = set()
    for _ in range(REVIEWS):
        at_ms = int((now - rng.uniform(0, 365) * 86400) * 1000)
        while at_ms in taken:  # the review log's id is its time in ms
            at_ms += 1
        taken.add(at_ms)
        revlog.append(
            (
                at_ms,
                rng.choice(reviewed),
                rng.choice((1, 3, 3, 3, 3, 4, 2)),
                10,
                8,
                0,
                rng.randint(1500, 20000),
                1,
            )
        )
    conn.executemany(
        "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
        "values (?, ?, -1, ?, ?, ?, ?, ?, ?)",
        revlog,
    )
    conn.commit()
    # Anki's unicase collation orders its deck and note type names; vacuum rebuilds those indexes.
    conn.create_collation(
        "unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold())
    )
    conn.execute("vacuum")
    conn.close()
    (folder / MARKER).write_text("ok")
    return path


def _request(note):
    from anki.collection import AddNoteRequest

    return AddNoteRequest(note=note, deck_id=1)


def log_today(path: Path, count: int) -> None:
    """`count` review answers logged earlier today, as in `bench_grade.py --today`."""
    conn = sqlite3.connect(path)
    now_ms = int(time.time() * 1000) - 60_000
    ids = [row[0] for row in conn.execute("select id from cards where queue = 2 limit ?", [count])]
    conn.executemany(
        "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
        "values (?, ?, -1, 3, 10, 8, 0, 5000, 1)",
        [(now_ms - i, card_id) for i, card_id in enumerate(ids)],
    )
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="where the built collection is kept")
    parser.add_argument("--work", type=Path, required=True, help="where the run's copy goes (disk or tmpfs)")
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--today", type=int, default=0)
    args = parser.parse_args()
    made = build(args.data)
    args.work.mkdir(parents=True, exist_ok=True)
    path = args.work / "collection.anki2"
    shutil.copyfile(made, path)  # answering writes: a fresh copy per run
    if args.today:
        log_today(path, args.today)
    col = Collection(str(path))
    ratings = {1: CardAnswer.AGAIN, 3: CardAnswer.GOOD}
    times = []
    queued = col.sched.get_queued_cards()
    for i in range(args.answers):
        top = queued.cards[0]
        card = Card(col, backend_card=top.card)  # as Anki's reviewer shows it
        card.start_timer()
        started = time.perf_counter()
        answer = col.sched.build_answer(card=card, states=top.states, rating=ratings[3 if i % 5 else 1])
        col.sched.answer_card(answer)
        queued = col.sched.get_queued_cards()  # the next card, its four next states and the counts
        times.append((time.perf_counter() - started) * 1000)
    # What was acknowledged is on disk for another reader, as quizapp's commit per answer is.
    logged = sqlite3.connect(path).execute("select count(*) from revlog").fetchone()[0]
    cards = col.card_count()
    col.close()
    print(
        json.dumps(
            {
                "cards": cards,
                "reviews": logged,
                "counts": [queued.new_count, queued.learning_count, queued.review_count],
                "ms": times,
            }
        )
    )


if __name__ == "__main__":
    main()
