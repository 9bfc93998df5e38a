"""The stats use case, shared by `quizapp stats --json` and the stats screen."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from quizapp import locations
from quizapp.core.db import open_reader

if TYPE_CHECKING:
    from quizapp.application.collection import Collection


def stats_figures(collection: Collection, now: datetime) -> dict[str, Any]:
    """Every figure of the stats screen, as JSON-ready values (pandas loads here, not before).

    Reads through a connection of its own, so it may run in a worker thread while the learner goes on.
    """
    from quizapp.stats.figures import compute_stats

    reader = open_reader(locations.db_path(collection.home))
    try:
        return compute_stats(reader, collection.settings, now)
    finally:
        reader.close()
