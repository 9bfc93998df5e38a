"""A separate quizapp process for the crash and concurrency tests: grades cards, acknowledging each.

Usage: python grader.py HOME DECKS COUNT [--then-hang] [--checkpoint-every SECONDS]
(as the app does: the write-ahead log checkpointed from a background thread)
"""

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from quizapp.application.collection import Collection
from quizapp.config import Settings
from quizapp.core.study import StudySession


def main() -> None:
    home, decks, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    collection = Collection.open(home, [decks], builtin=False)
    if "--checkpoint-every" in sys.argv:
        collection.db.checkpoint_in_background(float(sys.argv[sys.argv.index("--checkpoint-every") + 1]))
    study = StudySession(collection.db, Settings(), new_limit=10**6)
    for _ in range(count):
        now = datetime.now(UTC)
        card = study.next_card(now)
        study.rate(card.id, 3, now)
        print(f"graded {card.id}", flush=True)
    if "--then-hang" in sys.argv:
        time.sleep(3600)
    collection.close()


if __name__ == "__main__":
    main()
