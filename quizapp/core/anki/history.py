"""Anki's review log replayed through quizapp's own scheduler: each answer becomes a row of
quizapp's log, and the card ends in the state quizapp's rules give it.

Only answers count (ease 1–4); manual entries ("set due date", rescheduled) are skipped, and
"Forget" (a manual entry without ease nor factor) sends the card back to new, as it does in Anki's
FSRS. The replay runs without fuzz, so importing the same history twice gives the same state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fsrs import Rating, Scheduler

from quizapp.core.anki.reader import Review
from quizapp.core.clock import from_epoch, study_day
from quizapp.core.scheduling import NEW, SCHEDULE_COLUMNS, answer, columns_after, fsrs_card

MANUAL, RESCHEDULED = 4, 5


def new_schedule() -> dict[str, Any]:
    return {"state": NEW, "step": None, "stability": None, "difficulty": None, "due": None,
            "last_review": None, "reps": 0, "lapses": 0}  # fmt: skip


EARLIEST_MS, LATEST_MS = 946_684_800_000, 4_102_444_800_000
"""2000-01-01 and 2100-01-01: an entry dated outside was not written by a clock (nor by Anki)."""


def is_answer(review: Review) -> bool:
    return 1 <= review.ease <= 4 and review.kind not in (MANUAL, RESCHEDULED) and _plausible(review)


def _plausible(review: Review) -> bool:
    return EARLIEST_MS <= review.id < LATEST_MS


def is_reset(review: Review) -> bool:
    return review.kind == MANUAL and review.ease == 0 and review.factor == 0 and _plausible(review)


@dataclass
class Answer:
    """One answer to replay: Anki's, or one already in quizapp's log (kept as it is)."""

    at: float
    """Epoch seconds."""
    rating: int
    duration_ms: int | None
    from_anki: bool = True
    reset: bool = False


@dataclass
class Replay:
    schedule: dict[str, Any] = field(default_factory=new_schedule)
    rows: list[dict[str, Any]] = field(default_factory=list)
    """New rows for quizapp's log (Anki's answers only), in time order."""


def replay(
    card_id: str,
    deck: str,
    answers: Iterable[Answer],
    scheduler: Scheduler,
    day_starts_at_hour: int,
) -> Replay:
    """The card's schedule after `answers` (in time order), and the log rows of Anki's answers."""
    result = Replay()
    row = result.schedule
    for item in answers:
        if item.reset:
            row = {**new_schedule(), "reps": row["reps"], "lapses": row["lapses"]}
            continue
        now = from_epoch(item.at)
        assert now is not None
        card = answer(
            scheduler, fsrs_card(row, now), Rating(item.rating), now, day_starts_at_hour=day_starts_at_hour
        )
        after = columns_after(card, row, item.rating, item.at)
        if item.from_anki:
            result.rows.append(
                {
                    "card_id": card_id,
                    "deck": deck,
                    "day": study_day(item.at, day_starts_at_hour),
                    "rating": item.rating,
                    "reviewed_at": item.at,
                    "duration_ms": item.duration_ms,
                    "state_before": row["state"],
                    "before": json.dumps({column: row[column] for column in SCHEDULE_COLUMNS}),
                    "state": after["state"],
                    "stability": after["stability"],
                    "difficulty": after["difficulty"],
                    "due": after["due"],
                }
            )
        row = after
    result.schedule = row
    return result
