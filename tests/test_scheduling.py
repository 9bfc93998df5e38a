"""quizapp's scheduler against Anki's: the same answers replayed give the same cards.

The trace (`../shared/fixtures/anki-fsrs-trace.json`, else its copy in `tests/fixtures/`, or the file
named by `QUIZAPP_ANKI_TRACE`)
holds Anki 26.9.3's own card after each of 500 answers, with its settings in `about`.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fsrs import Card, Rating, State

from quizapp.config import Settings
from quizapp.core.clock import study_day
from quizapp.core.scheduling import answer, make_scheduler

SHARED_TRACE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "anki-fsrs-trace.json"
DEFAULT_TRACE = (
    SHARED_TRACE if SHARED_TRACE.exists() else Path(__file__).parent / "fixtures" / "anki-fsrs-trace.json"
)
"""The shared fixture beside the checkout; a copy of it in tests/fixtures where there is none (CI)."""
# The trace's settings (its `about`): FSRS-6 defaults, retention 0.9, steps 1m 10m, relearning 10m,
# maximum interval 36500 d, no fuzz, UTC (conftest pins TZ), next day at 04:00.
TRACE_SETTINGS = Settings(
    desired_retention=0.9,
    learning_steps_minutes=(1, 10),
    relearning_steps_minutes=(10,),
    maximum_interval_days=36500,
    fuzz=False,
    day_starts_at_hour=4,
)


def trace_rows() -> list[dict]:
    path = Path(os.environ.get("QUIZAPP_ANKI_TRACE", DEFAULT_TRACE))
    if not path.exists():
        pytest.skip(f"no Anki trace at {path} (set QUIZAPP_ANKI_TRACE)")
    return sorted(json.loads(path.read_text())["reviews"], key=lambda row: (row["reviewed_at"], row["card"]))


def replay(rows: list[dict]) -> list[tuple[dict, Card]]:
    scheduler = make_scheduler(TRACE_SETTINGS)
    cards: dict[int, Card] = {}
    replayed = []
    for row in rows:
        now = datetime.fromtimestamp(row["reviewed_at"], UTC)
        card = cards.get(row["card"]) or Card(card_id=row["card"] + 1, state=State.Learning, step=0, due=now)
        cards[row["card"]] = answer(scheduler, card, Rating(row["rating"]), now, day_starts_at_hour=4)
        replayed.append((row, cards[row["card"]]))
    return replayed


def interval_days(card: Card, row: dict) -> int:
    return study_day(card.due.timestamp(), 4) - study_day(row["reviewed_at"], 4)


def test_replaying_ankis_answers_gives_ankis_cards():
    replayed = replay(trace_rows())
    assert len(replayed) == 500
    for row, card in replayed:
        anki = row["anki"]
        where = f"card {row['card']} review {row['review']}"
        assert int(card.state) == anki["type"], where
        assert card.stability == pytest.approx(anki["stability"], rel=1e-3, abs=1e-4), where
        assert card.difficulty == pytest.approx(anki["difficulty"], abs=1e-3), where
    reviews = [(row, card) for row, card in replayed if row["anki"]["type"] == State.Review]
    same = [row for row, card in reviews if interval_days(card, row) == row["anki"]["interval_days"]]
    assert len(same) / len(reviews) >= 0.95, f"{len(same)}/{len(reviews)} review intervals as Anki's"


def test_a_review_the_next_study_day_counts_as_a_day_even_under_24_hours():
    """Reviewed at 17:03, then at 16:36 the next day: one study day, the long-term update (as Anki)."""
    scheduler = make_scheduler(TRACE_SETTINGS)
    first = datetime(2026, 3, 10, 17, 3, tzinfo=UTC)
    card = Card(
        card_id=1, state=State.Review, step=None, stability=1.38, difficulty=5.0, due=first, last_review=first
    )
    card = answer(
        scheduler, card, Rating.Good, first.replace(day=11, hour=16, minute=36), day_starts_at_hour=4
    )
    same_day = answer(
        scheduler,
        Card(
            card_id=2,
            state=State.Review,
            step=None,
            stability=1.38,
            difficulty=5.0,
            due=first,
            last_review=first,
        ),
        Rating.Good,
        first.replace(hour=23),
        day_starts_at_hour=4,
    )
    assert card.stability > 3 > same_day.stability


def test_grade_buttons_stay_in_order():
    scheduler = make_scheduler(TRACE_SETTINGS)
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    for stability in (0.1, 0.5, 1.0, 2.0, 5.0):
        card = Card(
            card_id=1,
            state=State.Review,
            step=None,
            stability=stability,
            difficulty=9.5,
            due=now,
            last_review=now.replace(day=9),
        )
        days = {
            rating: (answer(scheduler, card, rating, now, day_starts_at_hour=4).due - now).days
            for rating in (Rating.Hard, Rating.Good, Rating.Easy)
        }
        assert days[Rating.Good] >= days[Rating.Hard] + 1 and days[Rating.Easy] >= days[Rating.Good] + 1, days
    learning = Card(card_id=2, state=State.Learning, step=0, due=now)
    easy = answer(scheduler, learning, Rating.Easy, now, day_starts_at_hour=4)
    assert easy.state == State.Review and (easy.due - now).days >= 2
