"""Attempts are kept, and exercises are scheduled by FSRS only when they are due."""

from datetime import timedelta

from conftest import T0
from fsrs import Rating

from quizapp.exercises.progress import ExerciseProgress
from quizapp.exercises.verdict import CaseResult, Verdict


def verdict(passed: bool) -> Verdict:
    return Verdict(
        "maxpool2d", passed, "cpu", 0.1, [CaseResult("a", passed, "ok" if passed else "dx: differs")]
    )


def test_every_attempt_is_stored_with_its_code(db, settings):
    progress = ExerciseProgress(db, settings)
    progress.record("maxpool2d", "v1", verdict(False), T0, "tui")
    progress.record("maxpool2d", "v2", verdict(True), T0 + timedelta(minutes=1), "check")
    rows = list(db.query("select code, passed, cases_passed, via from exercise_attempts order by id"))
    assert rows == [
        {"code": "v1", "passed": 0, "cases_passed": 0, "via": "tui"},
        {"code": "v2", "passed": 1, "cases_passed": 1, "via": "check"},
    ]


def test_a_due_exercise_is_rated_and_practice_in_between_is_not(db, settings):
    progress = ExerciseProgress(db, settings)
    assert progress.record("maxpool2d", "x", verdict(False), T0, "tui") == Rating.Again
    # Back tomorrow; debugging runs today leave the schedule alone.
    assert progress.record("maxpool2d", "x", verdict(False), T0 + timedelta(minutes=5), "tui") is None
    status = progress.status("maxpool2d")
    assert status.attempts == 2 and not status.ever_passed and status.label(T0) == "not passed yet"
    assert status.due == T0 + timedelta(days=1)
    later = status.due + timedelta(seconds=1)
    assert progress.record("maxpool2d", "x", verdict(True), later, "tui") == Rating.Good
    passed = progress.status("maxpool2d")
    assert passed.ever_passed and passed.due > later


def test_a_passed_exercise_comes_back_later_to_be_redone(db, settings):
    progress = ExerciseProgress(db, settings)
    now = T0
    for _ in range(3):  # pass it each time it comes due
        assert progress.record("maxpool2d", "x", verdict(True), now, "tui") == Rating.Good
        now = progress.status("maxpool2d").due
    status = progress.status("maxpool2d")
    assert status.due - T0 > timedelta(days=1)
    assert status.label(T0 + timedelta(hours=1)).startswith("passed · back in")
    assert status.is_due(status.due) and status.label(status.due) == "due: redo it"


def test_the_label_counts_study_days_not_hours(db, settings):
    progress = ExerciseProgress(db, settings)
    progress.record("maxpool2d", "x", verdict(False), T0, "tui")  # Again: back tomorrow
    progress.record("maxpool2d", "x", verdict(True), T0 + timedelta(minutes=5), "tui")  # practice
    status = progress.status("maxpool2d")
    # Due 23 h 55 min from the pass: not "today", which the learner would take for "do it again now".
    assert status.label(T0 + timedelta(minutes=5)) == "passed · back tomorrow"
    # After the 4 am rollover the same due time is today's.
    assert status.label(T0 + timedelta(hours=17)) == "passed · back later today"
    assert status.label(T0 - timedelta(days=2)) == "passed · back in 3 d"
