"""Bringing the database in line with the deck files, keeping every card's history.

A card is matched by its id: new ids are added, edited cards keep their schedule, cards that left
the files are marked absent (history kept) and come back with it. A file that fails validation
leaves its cards as they were at its last good version. Unchanged files are not even parsed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp.core.db import write_transaction
from quizapp.core.loader import cross_file_problems, find_deck_files, load_deck_file
from quizapp.core.problem import Problem
from quizapp.core.search_text import search_text

if TYPE_CHECKING:
    from quizapp.core.db import QuizDatabase
    from quizapp.core.loader import CardContent, DeckLoad


@dataclass
class SyncReport:
    files: int = 0
    parsed: int = 0
    """How many files had changed and were read again."""
    problems: list[Problem] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    """Files with problems: their cards stay as last loaded (or absent if never loaded)."""


def _fingerprint(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_mtime_ns, stat.st_size


def sync_content(db: QuizDatabase, folders: list[Path]) -> SyncReport:
    files = find_deck_files(folders)
    report = SyncReport(files=len(files))
    stored = {row["path"]: row for row in db.query("select * from content_files")}
    current = {str(path): _fingerprint(path) for path in files}
    changed = [
        path
        for path in files
        if (row := stored.get(str(path))) is None or (row["mtime_ns"], row["size"]) != current[str(path)]
    ]
    gone = [path for path in stored if path not in current]
    for path in files:
        row = stored.get(str(path))
        if path not in changed and row is not None and not row["ok"]:
            report.skipped_files.append(str(path))
            report.problems.extend(Problem(**p) for p in json.loads(row["problems"]))
    if not changed and not gone:
        return report

    loads = [load_deck_file(path) for path in changed]
    report.parsed = len(loads)
    rereading = [str(path) for path in changed] + gone
    placeholders = ",".join("?" * len(rereading))
    known_ids = {
        row["note_id"]: (row["file"], row["deck"])
        for row in db.query(
            f"select distinct note_id, file, deck from cards where present = 1 and file not in ({placeholders})",
            rereading,
        )
    }
    cross_file_problems(loads, known_ids)
    with write_transaction(db):
        for path in gone:
            _mark_absent(db, path, keep=set())
            db.execute("delete from content_files where path = ?", [path])
        for load in loads:
            _store(db, load, current[str(load.path)])
    for load in loads:
        if not load.ok:
            report.skipped_files.append(str(load.path))
            report.problems.extend(load.problems)
    report.problems.sort()
    return report


def _store(db: QuizDatabase, load: DeckLoad, fingerprint: tuple[int, int]) -> None:
    file = str(load.path)
    db.table("content_files").upsert(
        {
            "path": file,
            "mtime_ns": fingerprint[0],
            "size": fingerprint[1],
            "ok": int(load.ok),
            "problems": json.dumps([p.__dict__ for p in load.problems], ensure_ascii=False),
            "deck": load.deck_id,
        },
        pk="path",
    )
    if not load.ok:
        return
    db.table("decks").upsert(
        {
            "id": load.deck_id,
            "title": load.title,
            "description": load.description,
            "file": file,
            "present": 1,
        },
        pk="id",
    )
    db.table("cards").upsert_all((card_columns(card) for card in load.cards), pk="id")
    _mark_absent(db, file, keep={card.id for card in load.cards})


def card_columns(card: CardContent) -> dict[str, object]:
    """A card's row as a deck file gives it: its content, and the words the browser searches."""
    return {**card.row(), "search_text": search_text(card.data)}


def _mark_absent(db: QuizDatabase, file: str, keep: set[str]) -> None:
    """Cards that came from `file` and are no longer in it leave study; their history stays."""
    for row in list(db.query("select id from cards where file = ? and present = 1", [file])):
        if row["id"] not in keep:
            db.execute("update cards set present = 0 where id = ?", [row["id"]])
    db.execute(
        "update decks set present = 0 where file = ? and id not in "
        "(select distinct deck from cards where file = ? and present = 1)",
        [file, file],
    )
