"""quizapp's cards as Anki notes: each card kind as the stock note type closest to it, text as HTML
(code as `<pre><code>`, formulas as MathJax), and with the history, each study card's schedule,
FSRS memory state and review log as Anki stores them.

| quizapp kind | Anki note type | fields |
| --- | --- | --- |
| basic | Basic | front, back |
| reverse | Basic (and reversed card) | front, back; `#rev` is card 2 |
| type | Basic (type in the answer) | question, the first accepted answer |
| cloze | Cloze | text (`{{cN::…}}` as is), extra; `#cN` is ordinal N-1 |
| choice, bug, output | Basic | the question with its options or code; the answer |

A note that came from Anki (`anki-<note id>`, its guid in `source`) goes back with its own note id
and guid, so Anki updates it instead of adding a copy; a note of quizapp's own gets a stable id
and the guid `quizapp:<id>`, which `quizapp import` turns back into its id.
"""

from __future__ import annotations

import html as html_escape
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from quizapp.core.anki.convert import EXPORTED_GUID, NOTE_PREFIX
from quizapp.core.anki.html import to_html
from quizapp.core.anki.writer import OutCard, OutNote, OutReview, stable_id
from quizapp.core.clock import day_bounds, from_epoch, study_day

if TYPE_CHECKING:
    from quizapp.core.db import QuizDatabase

_ANKI_SOURCE = re.compile(r"^anki note (\S+)$")
_DAY = 86_400


def _code(code: str) -> str:
    return f"<pre><code>{html_escape.escape(code.rstrip(chr(10)), quote=False)}</code></pre>"


def note_fields(kind: str, data: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """The Anki note type (a key of `writer.STOCK`) and fields (HTML) for a card's data."""
    if kind in ("basic", "reverse"):
        front, back = (data["back"], data["front"]) if data.get("reversed") else (data["front"], data["back"])
        return kind, (to_html(front), to_html(back))
    if kind == "type":
        back = html_escape.escape(data["answers"][0], quote=False)
        return "type", (to_html(data["question"]), back)
    if kind == "cloze":
        return "cloze", (to_html(data["text"]), to_html(data.get("extra") or ""))
    if kind == "choice":
        options = "".join(f"<li>{to_html(option)}</li>" for option in data["options"])
        back = to_html(str(data["answer"])) + (
            f"<br>{to_html(data['explain'])}" if data.get("explain") else ""
        )
        return "basic", (f"{to_html(data['question'])}<ol>{options}</ol>", back)
    if kind == "bug":
        back = to_html(data["answer"]) + (_code(data["fix"]) if data.get("fix") else "")
        return "basic", (to_html(data.get("question") or "What is wrong?") + _code(data["code"]), back)
    if kind == "output":
        back = _code(data["output"]) + (to_html(data["explain"]) if data.get("explain") else "")
        return "basic", ("What does this print?" + _code(data["code"]), back)
    text = json.dumps(data, ensure_ascii=False)
    return "basic", (html_escape.escape(text, quote=False), "")


def _ordinal(kind: str, card_id: str) -> int:
    if kind == "cloze" and "#c" in card_id:
        return int(card_id.rsplit("#c", 1)[1]) - 1
    return 1 if card_id.endswith("#rev") else 0


def _identity(note_id: str, source: str | None) -> tuple[int, str]:
    match = _ANKI_SOURCE.match(source or "")
    digits = note_id[len(NOTE_PREFIX) :]
    if note_id.startswith(NOTE_PREFIX) and digits.isdigit() and match and len(digits) < 18:
        return int(digits), match.group(1)
    return stable_id("note:" + note_id), EXPORTED_GUID + note_id


def export_notes(
    db: QuizDatabase, deck_ids: list[str], now: datetime, *, with_history: bool, day_starts_at_hour: int
) -> tuple[list[OutNote], int, int]:
    """The notes of these decks, the collection creation time their due days count from, and the
    number of reviews they carry."""
    marks = ",".join("?" * len(deck_ids))
    rows = list(
        db.query(
            "select c.*, d.title from cards c join decks d on d.id = c.deck "
            f"where c.present = 1 and c.deck in ({marks}) order by c.deck, c.position",
            deck_ids,
        )
    )
    reviews: dict[str, list[dict[str, Any]]] = {}
    if with_history:
        for review in _reviews(db, [row["id"] for row in rows]):
            reviews.setdefault(review["card_id"], []).append(review)
    earliest = min([now.timestamp(), *(r[0]["reviewed_at"] for r in reviews.values())])
    start = from_epoch(earliest)
    assert start is not None
    created = int(day_bounds(start, day_starts_at_hour)[0])
    notes: dict[str, OutNote] = {}
    used_revlog_ids: set[int] = set()
    count = 0
    for position, row in enumerate(rows):
        data = json.loads(row["data"])
        note = notes.get(row["note_id"])
        if note is None:
            notetype, fields = note_fields(row["kind"], data)
            nid, guid = _identity(row["note_id"], data.get("source"))
            tags = [tag for tag in (row["tags"] or "").split() if tag]
            notes[row["note_id"]] = note = OutNote(nid, guid, notetype, fields, tags, row["title"], [])
        card = OutCard(stable_id("card:" + row["id"]), _ordinal(row["kind"], row["id"]), due=position)
        if with_history:
            _schedule(card, row, now, created, day_starts_at_hour)
            for review in reviews.get(row["id"], []):
                card.reviews.append(_review(review, used_revlog_ids))
            count += len(card.reviews)
        note.cards.append(card)
    return list(notes.values()), created, count


def _reviews(db: QuizDatabase, card_ids: list[str]) -> Iterable[dict[str, Any]]:
    for start in range(0, len(card_ids), 500):
        chunk = card_ids[start : start + 500]
        yield from db.query(
            "select card_id, reviewed_at, rating, duration_ms, state_before, before, state, due from reviews "
            f"where undone_at is null and card_id in ({','.join('?' * len(chunk))}) order by reviewed_at",
            chunk,
        )


def _days(seconds: float) -> int:
    return max(round(seconds / _DAY), 1)


def _schedule(card: OutCard, row: dict[str, Any], now: datetime, created: int, hour: int) -> None:
    state = row["state"]
    card.reps, card.lapses = row["reps"], row["lapses"]
    if state == 0:
        card.type = card.queue = 0
    elif state == 2:
        card.type = card.queue = 2
        card.due = study_day(row["due"], hour) - study_day(created, hour)
        card.interval = _days(row["due"] - row["last_review"])
    else:  # learning (1) or relearning (3): due at a time of day
        card.type = 1 if state == 1 else 3
        card.queue = 1
        card.due = int(row["due"])
    if row["stability"] is not None and row["difficulty"] is not None:
        card.memory = {
            "s": round(row["stability"], 4),
            "d": round(row["difficulty"], 3),
            "lrt": int(row["last_review"]),
        }
    if row["suspended"]:
        card.queue = -1
    elif row["buried_until"] is not None and row["buried_until"] > now.timestamp():
        card.queue = -3


def _review(review: dict[str, Any], used: set[int]) -> OutReview:
    at_ms = round(review["reviewed_at"] * 1000)
    while at_ms in used:  # revlog ids are unique: two answers in one millisecond move apart
        at_ms += 1
    used.add(at_ms)
    before = json.loads(review["before"])
    after_state, due = review["state"], review["due"] or review["reviewed_at"]
    interval = (
        _days(due - review["reviewed_at"])
        if after_state == 2
        else -max(round(due - review["reviewed_at"]), 1)
    )
    last = 0
    if before.get("state") == 2 and before.get("due") and before.get("last_review"):
        last = _days(before["due"] - before["last_review"])
    kind = {0: 0, 1: 0, 2: 1, 3: 2}.get(review["state_before"], 0)
    return OutReview(at_ms, review["rating"], review["duration_ms"] or 0, kind, interval, last)
