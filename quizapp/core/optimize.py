"""`quizapp optimize`: fit FSRS parameters to the learner's own review log, as Anki's "Optimize" does.

The fitting is fsrs-rs-python's: the FSRS authors' Rust optimizer, the one inside Anki, so the same
log gives the same parameters as Anki. It is imported here only, and only when a fit runs.

Training items are built as Anki builds them: each card's history starts at its first review (or
at the last time it was made new again); every later review that comes at least one study day after
the card's previous review is one item, holding the whole history up to it, with elapsed times
counted in study days (the `day` column, with the `day_starts_at_hour` rollover), the same
elapsed times the scheduler uses. A review on the same study day as the previous one stays in the
histories (short-term memory) but is not an item of its own: there is no recall to predict.

Evaluation is a time-series split, as fsrs-rs makes it: the items in time order are cut into six
equal segments; fold k fits on segments 0..k and is judged on segment k+1, both the parameters in
use and the fitted ones by FSRS's own `evaluate` (Anki's log loss and RMSE(bins), recent reviews
weighted more); the figures are the means over the five folds. fsrs-rs's
`evaluate_with_time_series_splits` scores only the fitted side, so the same folds are built here to
score the FSRS defaults on exactly the same reviews.

New parameters (fitted on the whole log) are kept only when they beat the defaults on the split
(lower log loss) and, when an earlier fit is in use, also beat it on the whole log, as Anki checks
before replacing parameters. (An earlier fit cannot be judged on the split: it has already seen the
reviews each fold is judged on, so it would always look best.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from quizapp.config import Settings
from quizapp.core.clock import study_day
from quizapp.core.parameters import (
    CARDS,
    EXERCISES,
    StoredParameters,
    parameters_in_use,
    store_parameters,
    stored_parameters,
)

if TYPE_CHECKING:
    from quizapp.core.db import QuizDatabase

MIN_REVIEWS = 400
"""Training items needed before a fit is tried. With fewer, each of the six segments of the split
holds under 67 items, so the first fold would train on fewer than the 64 that fsrs-rs needs to fit
more than the four initial stabilities, and the before/after figures would be noise."""
SPLITS = 5
History = list[tuple[int, int]]
"""(rating, elapsed study days since the card's previous review; 0 for its first) per review."""


@dataclass(frozen=True)
class Review:
    """One answer, as the optimizer sees it."""

    item_id: str
    """The card (or exercise) answered."""
    rating: int
    day: int
    """Study day of the answer."""
    starts_history: bool = False
    """The card was new when answered (its first review, or it was made new again)."""


@dataclass(frozen=True)
class Evaluation:
    log_loss: float
    rmse_bins: float

    def to_dict(self) -> dict:
        return {"log_loss": self.log_loss, "rmse_bins": self.rmse_bins}


@dataclass(frozen=True)
class ScopeFit:
    """What `optimize` made of one log (cards or exercises)."""

    scope: str
    reviews: int
    """Training items found (see the module docstring)."""
    before: Evaluation | None = None
    """The FSRS defaults on the time-series split; None when no fit was tried."""
    after: Evaluation | None = None
    """Parameters fitted on each fold's past, on the same split."""
    parameters: tuple[float, ...] | None = None
    """Fitted on the whole log; None when no fit was tried."""
    kept: bool = False
    """The fitted parameters were better and are (or, with --dry-run, would be) stored."""
    previous: StoredParameters | None = None
    """The earlier fit of this scope, or None."""
    previous_whole: Evaluation | None = None
    """With an earlier fit in use: it and the new fit, both judged on the whole log."""
    fitted_whole: Evaluation | None = None
    seconds: float = 0.0

    @property
    def enough(self) -> bool:
        return self.reviews >= MIN_REVIEWS

    def to_dict(self) -> dict:
        return {
            "scope": self.scope,
            "reviews": self.reviews,
            "minimum_reviews": MIN_REVIEWS,
            "fitted": self.parameters is not None,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
            "parameters": list(self.parameters) if self.parameters else None,
            "kept": self.kept,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class OptimizeReport:
    cards: ScopeFit
    exercises: ScopeFit
    optimal_retention: float | None
    """The desired retention that minimises workload per memorised card, with the parameters in use
    after this run; None when the log is too short to fit."""
    desired_retention: float
    dry_run: bool
    fitted_at: float


# -- items -----------------------------------------------------------------------------------------


def training_histories(reviews: Iterable[Review]) -> list[History]:
    """One history per training item, in the order of their last reviews (`reviews` in time order)."""
    histories: dict[str, History] = {}
    last_day: dict[str, int] = {}
    items: list[History] = []
    for review in reviews:
        history = histories.get(review.item_id)
        if history is None or review.starts_history:
            history = histories[review.item_id] = []
            elapsed = 0
        else:
            # max(): a clock or time zone moved back must not give a negative elapsed time.
            elapsed = max(review.day - last_day[review.item_id], 0)
        history.append((review.rating, elapsed))
        last_day[review.item_id] = review.day
        if elapsed > 0:
            items.append(list(history))
    return items


def card_reviews(db: QuizDatabase, settings: Settings) -> list[Review]:
    """The cards' review log in time order, undone answers left out."""
    hour = settings.day_starts_at_hour
    rows = db.execute(
        "select card_id, rating, reviewed_at, day, state_before from reviews where undone_at is null"
        " order by reviewed_at, id"
    ).fetchall()
    return [
        Review(card_id, rating, day if day is not None else study_day(at, hour), state_before == 0)
        for card_id, rating, at, day, state_before in rows
    ]


def exercise_reviews(db: QuizDatabase, settings: Settings) -> list[Review]:
    """The graded exercise attempts in time order (practice checks between due dates grade nothing)."""
    hour = settings.day_starts_at_hour
    rows = db.execute(
        "select exercise_id, rating, at from exercise_attempts where rating is not null order by at, id"
    ).fetchall()
    return [Review(exercise_id, rating, study_day(at, hour)) for exercise_id, rating, at in rows]


# -- fitting and evaluation ------------------------------------------------------------------------


def _items(histories: Sequence[History]) -> list:
    from fsrs_rs_python import FSRSItem, FSRSReview

    return [FSRSItem([FSRSReview(rating, elapsed) for rating, elapsed in history]) for history in histories]


def fit_parameters(histories: Sequence[History], *, relearning_steps: int = 1) -> tuple[float, ...]:
    """FSRS-6 parameters fitted to `histories` by fsrs-rs (Anki's optimizer)."""
    from fsrs_rs_python import FSRS

    return tuple(FSRS([]).compute_parameters(_items(histories), num_relearning_steps=relearning_steps))


def time_series_folds(n: int, splits: int = SPLITS) -> list[tuple[int, int, int]]:
    """(train end, test start, test end) per fold, cut as fsrs-rs's `TimeSeriesSplit` cuts them."""
    segment = n // (splits + 1)
    if segment == 0:
        return []
    return [
        ((k + 1) * segment, (k + 1) * segment, n if k == splits - 1 else (k + 2) * segment)
        for k in range(splits)
    ]


def evaluate_split(
    histories: Sequence[History], *, relearning_steps: int = 1
) -> tuple[Evaluation, Evaluation]:
    """(FSRS defaults, parameters fitted on each fold's past), scored on the time-series split."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    items = _items(histories)
    in_use = FSRS(list(DEFAULT_PARAMETERS))
    before: list[tuple[float, float]] = []
    after: list[tuple[float, float]] = []
    for train_end, test_start, test_end in time_series_folds(len(items)):
        fitted = FSRS([]).compute_parameters(items[:train_end], num_relearning_steps=relearning_steps)
        test = items[test_start:test_end]
        for scores, model in ((before, in_use), (after, FSRS(fitted))):
            evaluation = model.evaluate(test)
            scores.append((evaluation.log_loss, evaluation.rmse_bins))

    def mean(scores: list[tuple[float, float]]) -> Evaluation:
        return Evaluation(sum(s[0] for s in scores) / len(scores), sum(s[1] for s in scores) / len(scores))

    return mean(before), mean(after)


def evaluate_whole(histories: Sequence[History], parameters: Sequence[float]) -> Evaluation:
    """`parameters` judged on every item, as Anki's evaluate does (recent reviews weighted more)."""
    from fsrs_rs_python import FSRS

    evaluation = FSRS(list(parameters)).evaluate(_items(histories))
    return Evaluation(evaluation.log_loss, evaluation.rmse_bins)


def fit_scope(
    scope: str,
    histories: Sequence[History],
    previous: StoredParameters | None,
    *,
    relearning_steps: int,
    progress: Callable[[str], None],
) -> ScopeFit:
    if len(histories) < MIN_REVIEWS:
        return ScopeFit(scope, len(histories), previous=previous)
    progress(f"{scope}: fitting {len(histories):,} reviews ({SPLITS} time-series folds, then the whole log)…")
    start = time.perf_counter()
    before, after = evaluate_split(histories, relearning_steps=relearning_steps)
    parameters = fit_parameters(histories, relearning_steps=relearning_steps)
    kept = after.log_loss < before.log_loss
    previous_whole = fitted_whole = None
    if previous is not None:
        previous_whole = evaluate_whole(histories, previous.parameters)
        fitted_whole = evaluate_whole(histories, parameters)
        kept = kept and fitted_whole.log_loss < previous_whole.log_loss
    seconds = time.perf_counter() - start
    progress(f"{scope}: fitted in {seconds:.2f} s")
    return ScopeFit(
        scope,
        len(histories),
        before,
        after,
        parameters,
        kept,
        previous,
        previous_whole,
        fitted_whole,
        seconds,
    )


# -- optimal retention -----------------------------------------------------------------------------


def optimal_retention(db: QuizDatabase, settings: Settings, parameters: Sequence[float] | None) -> float:
    """The desired retention that minimises workload per memorised card (Anki's "Help me decide").

    fsrs-rs simulates a year of study of this collection (its number of cards, the daily new-card
    limit, the learning steps) with the learner's own first-answer and review grade mix where the
    log has enough of them, and searches the retention with the least time per card remembered.
    """
    from fsrs_rs_python import DEFAULT_PARAMETERS, default_simulator_config
    from fsrs_rs_python import optimal_retention as fsrs_optimal_retention

    config = default_simulator_config()
    cards = db.execute("select count(*) from cards where present = 1 and suspended = 0").fetchone()[0]
    config.deck_size = max(cards, 1)
    config.learn_limit = settings.new_cards_per_day
    config.max_ivl = float(settings.maximum_interval_days)
    config.learning_step_count = len(settings.learning_steps_minutes)
    config.relearning_step_count = len(settings.relearning_steps_minutes)
    first = _shares(db, "state_before = 0", (1, 2, 3, 4))
    if first:
        config.first_rating_prob = first
    passed = _shares(db, "state_before = 2 and rating > 1", (2, 3, 4))
    if passed:
        config.review_rating_prob = passed
    return float(fsrs_optimal_retention(config, list(parameters or DEFAULT_PARAMETERS)))


def _shares(db: QuizDatabase, where: str, ratings: tuple[int, ...], minimum: int = 100) -> list[float] | None:
    counts = dict(
        db.execute(
            f"select rating, count(*) from reviews where undone_at is null and {where} group by rating"
        ).fetchall()
    )
    total = sum(counts.get(rating, 0) for rating in ratings)
    if total < minimum:
        return None
    return [counts.get(rating, 0) / total for rating in ratings]


# -- the use case ----------------------------------------------------------------------------------


def optimize(
    db: QuizDatabase,
    settings: Settings,
    now: datetime,
    *,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda _message: None,
) -> OptimizeReport:
    """Fit the cards' log (and the exercises', when it is long enough), keep what beats the
    parameters in use unless `dry_run`, and work out the workload-minimising retention."""
    fitted_at = now.timestamp()
    fits = []
    for scope, reviews, relearning_steps in (
        (CARDS, card_reviews(db, settings), len(settings.relearning_steps_minutes)),
        (EXERCISES, exercise_reviews(db, settings), 0),  # exercises have no relearning steps
    ):
        fit = fit_scope(
            scope,
            training_histories(reviews),
            stored_parameters(db, scope),
            relearning_steps=relearning_steps,
            progress=progress,
        )
        if fit.kept and not dry_run:
            assert fit.parameters is not None and fit.before is not None and fit.after is not None
            store_parameters(
                db,
                StoredParameters(
                    scope,
                    fit.parameters,
                    fitted_at,
                    fit.reviews,
                    fit.before.log_loss,
                    fit.before.rmse_bins,
                    fit.after.log_loss,
                    fit.after.rmse_bins,
                ),
            )
        fits.append(fit)
    cards, exercises = fits
    retention = None
    if cards.enough:
        progress("cards: simulating a year of study to find the workload-minimising retention…")
        use = cards.parameters if cards.kept else parameters_in_use(db, CARDS)
        retention = optimal_retention(db, settings, use)
    return OptimizeReport(cards, exercises, retention, settings.desired_retention, dry_run, fitted_at)


def report_lines(report: OptimizeReport, config_path: str) -> list[str]:
    """What `quizapp optimize` prints: for each log, the figures before and after and what was done."""
    lines: list[str] = []
    cards_fitted = report.cards.previous is not None or (report.cards.kept and not report.dry_run)
    for fit, noun in ((report.cards, "Cards"), (report.exercises, "Exercises")):
        if not fit.enough:
            if fit.previous is not None:
                fallback = f"the parameters fitted on {_date(fit.previous.fitted_at)} stay in use"
            elif fit.scope == EXERCISES and cards_fitted:
                fallback = "they use the cards' parameters"
            else:
                fallback = "the FSRS defaults stay in use"
            lines.append(
                f"{noun}: {fit.reviews:,} reviews usable for fitting; {MIN_REVIEWS} needed (a review counts "
                f"when at least one study day passed since the previous one): {fallback}."
            )
            continue
        assert fit.before is not None and fit.after is not None
        lines.append(
            f"{noun}: {fit.reviews:,} reviews, time-series split ({SPLITS} folds: fitted on the past, "
            "judged on what came next):"
        )
        lines.append(
            f"  FSRS defaults:       log loss {fit.before.log_loss:.4f} · RMSE(bins) {fit.before.rmse_bins:.4f}"
        )
        lines.append(
            f"  fitted to your log:  log loss {fit.after.log_loss:.4f} · RMSE(bins) {fit.after.rmse_bins:.4f}"
        )
        if fit.previous is not None and fit.previous_whole is not None and fit.fitted_whole is not None:
            lines.append(
                f"  Whole log: your fit of {_date(fit.previous.fitted_at)} log loss "
                f"{fit.previous_whole.log_loss:.4f} · RMSE(bins) {fit.previous_whole.rmse_bins:.4f}; "
                f"the new fit {fit.fitted_whole.log_loss:.4f} · {fit.fitted_whole.rmse_bins:.4f}"
            )
        if not fit.kept:
            stay = (
                "the FSRS defaults"
                if fit.previous is None
                else f"your fit of {_date(fit.previous.fitted_at)}"
            )
            if fit.scope == EXERCISES and fit.previous is None and cards_fitted:
                stay = "the cards' parameters"
            lines.append(f"  Not better: keeping {stay}.")
        elif report.dry_run:
            lines.append("  Better: they would be kept, but this is a dry run: nothing saved.")
        else:
            lines.append("  Better: saved; your next study session schedules with them.")
    if report.optimal_retention is not None:
        lines.append(
            f"Desired retention: {report.desired_retention:.2f} now; {report.optimal_retention:.2f} gives the least "
            'study time per card remembered (a year of your study simulated, as Anki\'s "Help me decide").'
        )
        if round(report.optimal_retention, 2) != round(report.desired_retention, 2):
            lines.append(
                f"  To use it, set `desired_retention = {report.optimal_retention:.2f}` in {config_path} "
                "(nothing is changed for you); higher values mean more reviews and fewer lapses."
            )
        else:
            lines.append(f"  That is your setting already (`desired_retention` in {config_path}).")
    return lines


def _date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).date().isoformat()
