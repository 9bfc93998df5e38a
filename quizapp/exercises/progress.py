"""Exercise attempts and their schedule, in the learner's database.

Every check is stored with its code and verdict. A check counts for scheduling only when the
exercise is due (new, or its FSRS due date has come): pass → Good, fail → Again. Checks in between
are practice and leave the schedule alone, so ten failed runs while debugging are not ten lapses,
and the pass that follows them today does not count as remembering it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from fsrs import Rating

from quizapp.config import Settings
from quizapp.core.clock import from_epoch, study_day
from quizapp.core.db import write_transaction
from quizapp.core.parameters import EXERCISES, parameters_in_use
from quizapp.core.scheduling import NEW, SCHEDULE_COLUMNS, answer, fsrs_card, is_lapse, make_scheduler

if TYPE_CHECKING:
    from quizapp.core.db import QuizDatabase
    from quizapp.exercises.verdict import Verdict


@dataclass(frozen=True)
class ExerciseStatus:
    attempts: int
    ever_passed: bool
    due: datetime | None
    """None for an exercise never attempted (it is new, and due now)."""
    state: int
    day_starts_at_hour: int = Settings.day_starts_at_hour
    """The rollover hour, for saying "back tomorrow" by study days, as the decks count them."""

    def is_due(self, now: datetime) -> bool:
        return self.state == NEW or self.due is None or self.due <= now

    def label(self, now: datetime) -> str:
        if self.attempts == 0:
            return "new"
        if not self.ever_passed:
            return "not passed yet"
        if self.is_due(now):
            return "due: redo it"
        if self.due is None:
            return "due: redo it"
        days = study_day(self.due.timestamp(), self.day_starts_at_hour) - study_day(
            now.timestamp(), self.day_starts_at_hour
        )
        if days <= 0:
            return "passed · back later today"
        return "passed · back tomorrow" if days == 1 else f"passed · back in {days} d"


class ExerciseProgress:
    def __init__(self, db: QuizDatabase, settings: Settings) -> None:
        self.db = db
        self.day_starts_at_hour = settings.day_starts_at_hour
        # Checks on the same day as a graded one are practice (see `record`).
        self.scheduler = make_scheduler(settings, parameters=parameters_in_use(db, EXERCISES), steps=False)

    def record(self, exercise_id: str, code: str, verdict: Verdict, now: datetime, via: str) -> int | None:
        """Store the attempt; when the exercise is due, grade it. Returns the rating given, if any."""
        from quizapp.exercises.report import (
            verdict_json,
        )  # the checker's modules: not on the home screen's path

        with write_transaction(self.db):
            before = self._schedule_row(exercise_id)
            rating = None
            if before["state"] == NEW or before["due"] is None or before["due"] <= now.timestamp():
                rating = Rating.Good if verdict.passed else Rating.Again
                card = answer(
                    self.scheduler,
                    fsrs_card(before, now),
                    rating,
                    now,
                    day_starts_at_hour=self.day_starts_at_hour,
                )
                lapse = is_lapse(rating, before["state"])
                _insert(
                    self.db,
                    "exercise_schedule",
                    {
                        "exercise_id": exercise_id,
                        "state": int(card.state),
                        "step": card.step,
                        "stability": card.stability,
                        "difficulty": card.difficulty,
                        "due": card.due.timestamp(),
                        "last_review": now.timestamp(),
                        "reps": before["reps"] + 1,
                        "lapses": before["lapses"] + lapse,
                    },
                    replace=True,
                )
            _insert(
                self.db,
                "exercise_attempts",
                {
                    "exercise_id": exercise_id,
                    "at": now.timestamp(),
                    "code": code,
                    "passed": int(verdict.passed),
                    "cases_passed": sum(case.passed for case in verdict.cases),
                    "cases_total": len(verdict.cases),
                    "verdict": verdict_json(verdict),
                    "duration_s": verdict.duration_s,
                    "device": verdict.device,
                    "via": via,
                    "rating": int(rating) if rating else None,
                },
            )
        return int(rating) if rating else None

    def statuses(self) -> dict[str, ExerciseStatus]:
        rows = self.db.execute(
            """
            select a.exercise_id, count(*), max(a.passed), s.due, coalesce(s.state, 0)
            from exercise_attempts a left join exercise_schedule s on s.exercise_id = a.exercise_id
            group by a.exercise_id
            """
        ).fetchall()
        return {
            row[0]: ExerciseStatus(
                row[1], bool(row[2]), from_epoch(row[3]) if row[3] else None, row[4], self.day_starts_at_hour
            )
            for row in rows
        }

    def status(self, exercise_id: str) -> ExerciseStatus:
        return self.statuses().get(exercise_id, ExerciseStatus(0, False, None, NEW, self.day_starts_at_hour))

    def _schedule_row(self, exercise_id: str) -> dict:
        row = self.db.execute(
            f"select {', '.join(SCHEDULE_COLUMNS)} from exercise_schedule where exercise_id = ?",
            [exercise_id],
        ).fetchone()
        if row is None:
            return {
                "state": NEW,
                "step": 0,
                "stability": None,
                "difficulty": None,
                "due": None,
                "last_review": None,
                "reps": 0,
                "lapses": 0,
            }
        return dict(zip(SCHEDULE_COLUMNS, row))


def _insert(db: QuizDatabase, table: str, row: dict, *, replace: bool = False) -> None:
    """One row in plain SQL: a `--check` in a fresh process need not import sqlite-utils (0.05 s)."""
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    verb = "insert or replace" if replace else "insert"
    db.execute(f"{verb} into {table} ({columns}) values ({marks})", list(row.values()))
