"""One answer scheduled as Anki schedules it: FSRS (the `fsrs` package) plus Anki's own rules.

py-fsrs alone differs from Anki in two ways that cost the learner reviews
(`tests/test_scheduling.py` replays Anki's own answers to hold quizapp to it):
- Elapsed time. py-fsrs counts whole 24-hour periods since the last review; Anki counts the study
  days crossed (with the day rollover). A card reviewed at 17:03 and again the next day at 16:36 is
  one day later for Anki (long-term memory update, a longer interval) and zero for py-fsrs (the
  same-day short-term update). `answer` hands py-fsrs a last-review time exactly that many days
  back, so every formula sees study days.
- Order of the grade buttons. Anki keeps Good at least a day past Hard and Easy a day past Good,
  also when Easy graduates a card from its learning steps (then past Good's FSRS interval).
Difficulty is kept to 3 decimals after each answer, as Anki stores it.
Cards and exercises are both scheduled through here: the scheduler's construction, the conversion
between a database row and an FSRS card, the lapse rule and the answer itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from fsrs import Card, Rating, Scheduler, State

from quizapp.config import Settings
from quizapp.core.clock import from_epoch, study_day

NEW = 0
"""A card or exercise never answered (FSRS's own states start at 1: learning, review, relearning)."""
SCHEDULE_COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
"""The columns of a card's (or an exercise's) row that scheduling reads and writes."""


def make_scheduler(
    settings: Settings,
    *,
    fuzz: bool | None = None,
    parameters: Sequence[float] | None = None,
    steps: bool = True,
) -> Scheduler:
    """Args:
    parameters: FSRS parameters fitted to the learner (`quizapp optimize`); None for the defaults.
    steps: False for exercises: one takes minutes, so no same-day learning steps (a first pass
        sends it away for days, a fail brings it back tomorrow).
    """
    return Scheduler(
        **({} if parameters is None else {"parameters": tuple(parameters)}),
        desired_retention=settings.desired_retention,
        learning_steps=settings.learning_steps if steps else (),
        relearning_steps=settings.relearning_steps if steps else (),
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=settings.fuzz if fuzz is None else fuzz,
    )


def fsrs_card(row: dict, now: datetime) -> Card:
    """The FSRS card for a row with `SCHEDULE_COLUMNS`; a new one is due now."""
    if row["state"] == NEW:
        return Card(card_id=0, state=State.Learning, step=0, due=now)
    return Card(
        card_id=0,
        state=State(row["state"]),
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=from_epoch(row["due"]),
        last_review=from_epoch(row["last_review"]),
    )


def is_lapse(rating: int, state_before: int) -> bool:
    """Forgetting a card in review (Again), as Anki counts lapses."""
    return rating == Rating.Again and state_before == State.Review


def answer(
    scheduler: Scheduler, card: Card, rating: Rating, now: datetime, *, day_starts_at_hour: int
) -> Card:
    """The card after `rating` at `now`; `card.last_review` is when it was really last answered."""
    # Good and Easy are held past the grades below them, so those are worked out too.
    grades = (rating,) if rating <= Rating.Hard else tuple(Rating)[Rating.Hard - 1 : rating]
    return outcomes(scheduler, card, now, day_starts_at_hour=day_starts_at_hour, grades=grades)[rating]


def outcomes(
    scheduler: Scheduler,
    card: Card,
    now: datetime,
    *,
    day_starts_at_hour: int,
    grades: tuple[Rating, ...] = tuple(Rating),
) -> dict[Rating, Card]:
    """The card after each of `grades` (in increasing order), kept in order as Anki keeps them:
    Good at least a day past Hard, Easy a day past Good; for Good, give Hard too, for Easy Good."""
    card = in_study_days(card, now, day_starts_at_hour)
    today = study_day(now.timestamp(), day_starts_at_hour)
    results: dict[Rating, Card] = {}
    floor = 1  # the fewest days the next grade may give
    for rating in grades:
        after = scheduler.review_card(card, rating, review_datetime=now)[0]
        days = study_day(after.due.timestamp(), day_starts_at_hour) - today
        if after.state == State.Review and rating != Rating.Again:  # Hard is not held past Again
            if rating in (Rating.Good, Rating.Easy) and days < floor:
                after.due += timedelta(days=floor - days)
                days = floor
            floor = days + 1
        elif rating == Rating.Good:
            # Good keeps the card in its steps: Easy still goes past what Good's memory state would give.
            assert after.stability is not None  # set by every review
            floor = max(scheduler._next_interval(stability=after.stability), 1) + 1
        after.last_review = now
        if after.difficulty is not None:
            after.difficulty = round(after.difficulty, 3)
        results[rating] = after
    return results


def in_study_days(card: Card, now: datetime, day_starts_at_hour: int) -> Card:
    """A copy whose last review lies exactly as many days before `now` as study days were crossed."""
    if card.last_review is None:
        return card
    crossed = study_day(now.timestamp(), day_starts_at_hour) - study_day(
        card.last_review.timestamp(), day_starts_at_hour
    )
    return Card(
        card_id=card.card_id,
        state=card.state,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=now - timedelta(days=max(crossed, 0)),
    )


def columns_after(card: Card, before: Mapping[str, Any], rating: int, at: float) -> dict[str, Any]:
    """The card's scheduling columns after an answer at epoch `at`, from FSRS's card and the row before."""
    return {
        "state": int(card.state),
        "step": card.step,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": card.due.timestamp(),
        "last_review": at,
        "reps": before["reps"] + 1,
        "lapses": before["lapses"] + is_lapse(rating, before["state"]),
    }
