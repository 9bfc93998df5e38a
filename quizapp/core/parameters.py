"""FSRS parameters fitted to the learner's own log (`quizapp optimize`), as stored and as used.

Light on purpose: the schedulers of `quizapp study` and of the exercises read the parameters in use
through here at start-up, so this module imports neither fsrs-rs-python nor pandas
(`core/optimize.py` does the fitting).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizapp.core.db import QuizDatabase

CARDS = "cards"
EXERCISES = "exercises"


@dataclass(frozen=True)
class StoredParameters:
    """One fit kept by `quizapp optimize`, as stored in `fsrs_parameters`; before = the FSRS defaults,
    after = the fitted parameters, both on the same time-series split of the log."""

    scope: str
    parameters: tuple[float, ...]
    fitted_at: float
    """Epoch seconds, UTC."""
    reviews: int
    """Training items it was fitted on: reviews at least one study day after the card's previous one."""
    log_loss_before: float | None
    rmse_bins_before: float | None
    log_loss_after: float | None
    rmse_bins_after: float | None


def stored_parameters(db: QuizDatabase, scope: str = CARDS) -> StoredParameters | None:
    """The last fit kept for `scope`, or None while the FSRS defaults are in use."""
    rows = list(db.query("select * from fsrs_parameters where scope = ? order by id desc limit 1", [scope]))
    if not rows:
        return None
    row = rows[0]
    return StoredParameters(
        scope=row["scope"],
        parameters=tuple(float(value) for value in json.loads(row["parameters"])),
        fitted_at=row["fitted_at"],
        reviews=row["reviews"],
        log_loss_before=row["log_loss_before"],
        rmse_bins_before=row["rmse_bins_before"],
        log_loss_after=row["log_loss_after"],
        rmse_bins_after=row["rmse_bins_after"],
    )


def parameters_in_use(db: QuizDatabase, scope: str = CARDS) -> tuple[float, ...] | None:
    """The parameters the scheduler of `scope` uses: its own fit; for exercises without one, the
    cards' fit (the same learner's memory is a better guess than population defaults); else None
    (the FSRS defaults)."""
    stored = stored_parameters(db, scope)
    if stored is None and scope == EXERCISES:
        stored = stored_parameters(db, CARDS)
    return None if stored is None else stored.parameters


def store_parameters(db: QuizDatabase, fit: StoredParameters) -> None:
    """Keep `fit` as the one in use for its scope (older fits stay in the table as history)."""
    from quizapp.core.db import write_transaction

    with write_transaction(db):
        db.execute(
            "insert into fsrs_parameters (scope, parameters, fitted_at, reviews, log_loss_before,"
            " rmse_bins_before, log_loss_after, rmse_bins_after) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                fit.scope,
                json.dumps(list(fit.parameters)),
                fit.fitted_at,
                fit.reviews,
                fit.log_loss_before,
                fit.rmse_bins_before,
                fit.log_loss_after,
                fit.rmse_bins_after,
            ],
        )
