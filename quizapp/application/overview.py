"""The home screen's use case: every deck with what waits today, within the daily limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from quizapp.core.study import answered_today, deck_overview

if TYPE_CHECKING:
    from quizapp.application.collection import Collection


@dataclass(frozen=True)
class DeckRow:
    id: str
    title: str
    new: int
    learning: int
    due: int
    total: int


@dataclass(frozen=True)
class Overview:
    decks: list[DeckRow]
    to_review: int
    """Reviews that wait today over all decks: due ones up to the reviews left today, plus learning."""
    new_today: int
    """New cards that may still be introduced today over all decks."""


def overview(collection: Collection, now: datetime) -> Overview:
    """Each deck shows what it could give today; the daily limits hold over all decks together."""
    settings = collection.settings
    decks = [
        DeckRow(row["id"], row["title"], row["new"], row["learning"], row["due"], row["total"])
        for row in deck_overview(collection.db, settings, now)
    ]
    today = answered_today(collection.db, settings, now)
    to_review = min(sum(d.due for d in decks), today.reviews_left(settings)) + sum(d.learning for d in decks)
    new_today = min(sum(d.new for d in decks), today.new_left(settings))
    return Overview(decks, to_review, new_today)
