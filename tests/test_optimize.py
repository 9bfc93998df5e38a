"""`quizapp optimize`: FSRS parameters fitted to the learner's own log, kept only when they predict it better."""

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import T0

from quizapp.config import Settings
from quizapp.core.clock import study_day
from quizapp.core.optimize import MIN_REVIEWS, Review, optimize, training_histories
from quizapp.core.parameters import CARDS, EXERCISES, parameters_in_use, stored_parameters
from quizapp.core.study import StudySession

SHARED_JOSH = Path(__file__).parents[1] / ".." / "shared" / "fixtures" / "revlog-josh.csv"
# A copy in tests/fixtures where the shared folder is not beside the checkout (CI). The log was
# published with py-fsrs (its tests/ folder, MIT licence).
JOSH = Path(
    os.environ.get(
        "QUIZAPP_REVLOG",
        SHARED_JOSH if SHARED_JOSH.exists() else Path(__file__).parent / "fixtures" / "revlog-josh.csv",
    )
)
needs_josh = pytest.mark.skipif(not JOSH.exists(), reason=f"{JOSH} (the real review log to fit) is not here")
# The fixture's figures (its README): 5 expanding time-series folds, study days rolling over at 4 am UTC.
JOSH_DEFAULTS = (0.4321, 0.0787)
JOSH_FITTED = (0.4273, 0.0676)


def load_revlog(db, path: Path, *, limit: int | None = None, day_starts_at_hour: int = 4) -> int:
    """Write a `card_id, review_rating, review_time` CSV into the collection's review log, as answers
    recorded by quizapp would be (the tests run with TZ=UTC, so study days roll over at 4 am UTC)."""
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))[:limit]
    seen: set[str] = set()
    records = []
    for row in sorted(rows, key=lambda r: r["review_time"]):
        at = datetime.fromisoformat(row["review_time"]).timestamp()
        card = row["card_id"]
        records.append(
            (
                card,
                int(row["review_rating"]),
                at,
                int(row["review_duration"]),
                0 if card not in seen else 2,
                "{}",
                study_day(at, day_starts_at_hour),
                "josh",
            )
        )
        seen.add(card)
    db.conn.executemany(
        "insert into reviews (card_id, rating, reviewed_at, duration_ms, state_before, before, day, deck)"
        " values (?, ?, ?, ?, ?, ?, ?, ?)",
        records,
    )
    db.conn.commit()
    return len(records)


def test_items_count_study_days_and_skip_same_day_reviews():
    reviews = [
        Review("a", 3, 10, True),
        Review("a", 1, 10),
        Review("b", 3, 10, True),
        Review("a", 3, 11),
        Review("a", 4, 15),
        Review("b", 2, 12),
    ]
    assert training_histories(reviews) == [
        [(3, 0), (1, 0), (3, 1)],
        [(3, 0), (1, 0), (3, 1), (4, 4)],
        [(3, 0), (2, 2)],
    ]
    # A card made new again starts a fresh history.
    assert training_histories(
        [Review("a", 3, 1, True), Review("a", 3, 5), Review("a", 1, 9, True), Review("a", 3, 12)]
    ) == [[(3, 0), (3, 4)], [(1, 0), (3, 3)]]


@needs_josh
def test_fit_on_the_josh_log_beats_the_defaults_on_a_time_series_split(db):
    load_revlog(db, JOSH)
    report = optimize(db, Settings(), T0, dry_run=True)
    cards = report.cards
    assert cards.reviews == 6276  # reviews at least one study day after the card's previous one
    assert cards.after.log_loss < cards.before.log_loss
    assert cards.after.rmse_bins < cards.before.rmse_bins
    assert cards.before.log_loss == pytest.approx(JOSH_DEFAULTS[0], abs=0.002)
    assert cards.before.rmse_bins == pytest.approx(JOSH_DEFAULTS[1], abs=0.005)
    assert cards.after.log_loss == pytest.approx(JOSH_FITTED[0], abs=0.002)
    assert cards.after.rmse_bins == pytest.approx(JOSH_FITTED[1], abs=0.005)
    assert cards.kept and len(cards.parameters) == 21
    assert 0.7 <= report.optimal_retention <= 0.99
    assert not report.exercises.enough and report.exercises.parameters is None


@needs_josh
def test_dry_run_stores_nothing_and_a_real_run_stores_the_fit_with_its_figures(db):
    load_revlog(db, JOSH)
    optimize(db, Settings(), T0, dry_run=True)
    assert stored_parameters(db, CARDS) is None
    report = optimize(db, Settings(), T0)
    stored = stored_parameters(db, CARDS)
    assert stored.parameters == pytest.approx(report.cards.parameters)
    assert stored.fitted_at == T0.timestamp() and stored.reviews == 6276
    assert stored.log_loss_after < stored.log_loss_before
    assert stored.rmse_bins_after == pytest.approx(report.cards.after.rmse_bins)
    # Exercises have no graded log of their own yet: they use the learner's card parameters.
    assert stored_parameters(db, EXERCISES) is None
    assert parameters_in_use(db, EXERCISES) == stored.parameters


@needs_josh
def test_a_fit_no_better_than_the_parameters_in_use_is_not_stored_again(db):
    load_revlog(db, JOSH)
    optimize(db, Settings(), T0)
    again = optimize(db, Settings(), T0 + timedelta(days=1))
    # The same log fits the same parameters: judged on the whole log they are not better than the stored fit.
    assert again.cards.previous_whole.log_loss == pytest.approx(again.cards.fitted_whole.log_loss)
    assert not again.cards.kept
    assert db.execute("select count(*) from fsrs_parameters").fetchone()[0] == 1
    assert stored_parameters(db, CARDS).fitted_at == T0.timestamp()


def test_too_few_reviews_fits_nothing_and_stores_nothing(db):
    start = datetime(2026, 1, 1, 12, tzinfo=UTC).timestamp()
    records = [
        (f"c{i}", 3, start + day * 86400 + i, 2 if day else 0, "{}", 20454 + day)
        for i in range(30)
        for day in range(5)
    ]
    db.conn.executemany(
        "insert into reviews (card_id, rating, reviewed_at, state_before, before, day)"
        " values (?, ?, ?, ?, ?, ?)",
        records,
    )
    db.conn.commit()
    report = optimize(db, Settings(), T0)
    assert report.cards.reviews == 120 < MIN_REVIEWS
    assert report.cards.parameters is None and report.optimal_retention is None
    assert db.execute("select count(*) from fsrs_parameters").fetchone()[0] == 0


@needs_josh
def test_after_optimize_new_sessions_and_exercises_schedule_with_the_fitted_parameters(collection):
    from quizapp.exercises.progress import ExerciseProgress

    defaults = StudySession(collection.db, collection.settings).scheduler.parameters
    load_revlog(collection.db, JOSH)
    report = optimize(collection.db, collection.settings, T0)
    session = StudySession(collection.db, collection.settings)
    assert session.scheduler.parameters == pytest.approx(report.cards.parameters)
    assert session.preview_scheduler.parameters == pytest.approx(report.cards.parameters)
    assert session.scheduler.parameters != pytest.approx(defaults)
    progress = ExerciseProgress(collection.db, collection.settings)
    assert progress.scheduler.parameters == pytest.approx(report.cards.parameters)
    # …and the cards are graded with them: the first Good gives the fitted initial stability.
    card = session.next_card(T0)
    session.rate(card.id, 3, T0)
    stability = collection.db.execute("select stability from cards where id = ?", [card.id]).fetchone()[0]
    assert stability == pytest.approx(report.cards.parameters[2], rel=1e-4)


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "quizapp", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TZ": "UTC"},
    )


def test_cli_with_too_few_reviews_says_how_many_are_needed_and_exits_0(tmp_path: Path):
    result = run(tmp_path / "h", "optimize")
    assert result.returncode == 0, result.stderr
    assert f"0 reviews usable for fitting; {MIN_REVIEWS} needed" in result.stdout
    assert "defaults" in result.stdout and "Traceback" not in result.stderr


@needs_josh
def test_cli_dry_run_reports_before_and_after_and_saves_nothing_then_a_run_saves(tmp_path: Path):
    from quizapp.core.db import open_db

    home = tmp_path / "h"
    assert run(home, "optimize").returncode == 0  # creates the collection
    db = open_db(home / "quizapp.db")
    load_revlog(db, JOSH)
    db.close()
    dry = run(home, "optimize", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "fitting 6,276 reviews" in dry.stderr and "Traceback" not in dry.stderr
    assert "log loss 0.432" in dry.stdout and "log loss 0.427" in dry.stdout
    assert "dry run: nothing saved" in dry.stdout
    assert "desired_retention" in dry.stdout and "config.toml" in dry.stdout
    stats = json.loads(run(home, "stats", "--json").stdout)
    assert stats["parameters"]["cards"]["fitted_at"] is None
    saved = run(home, "optimize")
    assert saved.returncode == 0 and "saved" in saved.stdout
    stats = json.loads(run(home, "stats", "--json").stdout)
    assert stats["parameters"]["cards"]["fitted_at"] is not None
    assert stats["parameters"]["cards"]["reviews"] == 6276
    assert len(stats["parameters"]["cards"]["parameters"]) == 21
