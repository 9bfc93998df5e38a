"""An import's writes to quizapp's database, all inside the caller's one write transaction: the deck
files' content rows (as the sync would store them), Anki's answers in the review log, and each
card's rebuilt schedule and flags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quizapp.core.db import QuizDatabase
    from quizapp.core.loader import DeckLoad


def store_deck(db: QuizDatabase, load: DeckLoad, fingerprint: tuple[int, int]) -> None:
    """The deck file's deck, cards and fingerprint, as `core.sync` stores a file it read: the next
    sync finds the file unchanged. Cards no longer in it leave study; their history stays."""
    from quizapp.core.sync import card_columns

    file = str(load.path)
    db.execute(
        "insert into content_files (path, mtime_ns, size, ok, problems, deck) values (?, ?, ?, 1, '[]', ?) "
        "on conflict(path) do update set mtime_ns = excluded.mtime_ns, size = excluded.size, ok = 1, "
        "problems = '[]', deck = excluded.deck",
        [file, fingerprint[0], fingerprint[1], load.deck_id],
    )
    db.execute(
        "insert into decks (id, title, description, file, present) values (?, ?, ?, ?, 1) "
        "on conflict(id) do update set title = excluded.title, description = excluded.description, "
        "file = excluded.file, present = 1",
        [load.deck_id, load.title, load.description, file],
    )
    columns = ("id", "note_id", "deck", "kind", "data", "tags", "file", "position", "present", "search_text")
    db.conn.executemany(
        f"insert into cards ({', '.join(columns)}) values ({', '.join('?' * len(columns))}) "
        "on conflict(id) do update set "
        + ", ".join(f"{column} = excluded.{column}" for column in columns[1:]),
        ([row[column] for column in columns] for row in (card_columns(card) for card in load.cards)),
    )
    keep = {card.id for card in load.cards}
    gone = [
        row[0]
        for row in db.execute("select id from cards where file = ? and present = 1", [file])
        if row[0] not in keep
    ]
    db.conn.executemany("update cards set present = 0 where id = ?", ([card_id] for card_id in gone))


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def logged_answers(db: QuizDatabase, card_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The answers quizapp's log holds for these cards (not undone), in time order."""
    found: dict[str, list[dict[str, Any]]] = {}
    for chunk in _chunks(sorted(set(card_ids))):
        rows = db.execute(
            "select card_id, reviewed_at, rating, duration_ms from reviews "
            f"where card_id in ({','.join('?' * len(chunk))}) and undone_at is null order by card_id, reviewed_at",
            chunk,
        )
        for card_id, reviewed_at, rating, duration_ms in rows:
            found.setdefault(card_id, []).append(
                {"at": reviewed_at, "rating": rating, "duration_ms": duration_ms}
            )
    return found


def existing_cards(db: QuizDatabase, card_ids: Iterable[str]) -> dict[str, int]:
    """Which of these cards quizapp has, with their state (0 while never answered)."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(card_ids))):
        rows = db.execute(f"select id, state from cards where id in ({','.join('?' * len(chunk))})", chunk)
        found.update(rows.fetchall())
    return found


_INSERT_REVIEW = (
    "insert into reviews (card_id, deck, day, rating, reviewed_at, duration_ms, state_before, before, "
    "state, stability, difficulty, due) values (:card_id, :deck, :day, :rating, :reviewed_at, :duration_ms, "
    ":state_before, :before, :state, :stability, :difficulty, :due)"
)


def add_reviews(db: QuizDatabase, rows: list[dict[str, Any]]) -> None:
    db.conn.executemany(_INSERT_REVIEW, rows)


def set_schedules(db: QuizDatabase, schedules: dict[str, dict[str, Any]]) -> None:
    """Each card's schedule columns, and `suspended`/`buried_until` where given."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for card_id, values in schedules.items():
        by_columns.setdefault(tuple(values), []).append({**values, "id": card_id})
    for columns, rows in by_columns.items():
        assignments = ", ".join(f"{column} = :{column}" for column in columns)
        db.conn.executemany(f"update cards set {assignments} where id = :id", rows)
