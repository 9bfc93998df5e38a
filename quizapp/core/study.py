"""A study session: which card comes next, grading with FSRS, undo, suspend and bury.

Every answer is committed (card state and review log in one transaction) before `rate` returns,
so whatever the learner has seen acknowledged survives a crash.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fsrs import Rating, State

from quizapp.config import Settings
from quizapp.core.clock import day_bounds, from_epoch, study_day
from quizapp.core.db import write_transaction
from quizapp.core.kinds import CardData
from quizapp.core.parameters import CARDS, parameters_in_use
from quizapp.core.scheduling import (
    NEW,
    SCHEDULE_COLUMNS,
    answer,
    columns_after,
    fsrs_card,
    is_lapse,
    make_scheduler,
    outcomes,
)

if TYPE_CHECKING:
    from quizapp.core.db import QuizDatabase

LEARN_AHEAD = timedelta(minutes=20)


@dataclass(frozen=True)
class StudyFilter:
    deck: str | None = None
    tag: str | None = None
    card_ids: tuple[str, ...] | None = None
    cram: bool = False
    """Go through every matching card once, due or not (e.g. the hardest cards, from stats).
    Answers are graded by FSRS as usual, which handles early reviews."""

    def options(self) -> str:
        """The `quizapp study` options that pick the same cards (deck and tag), for a hint."""
        given = [("--deck", self.deck), ("--tag", self.tag)]
        return "".join(f" {flag} {shlex.quote(value)}" for flag, value in given if value)

    def sql(self) -> tuple[str, dict[str, object]]:
        clauses = ["present = 1", "suspended = 0", "(buried_until is null or buried_until <= :now)"]
        params: dict[str, object] = {}
        if self.deck:
            clauses.append("deck = :deck")
            params["deck"] = self.deck
        if self.tag:
            clauses.append("tags like :tag")
            params["tag"] = f"% {self.tag} %"
        if self.card_ids is not None:
            names = [f"card{i}" for i in range(len(self.card_ids))]
            clauses.append(f"id in ({', '.join(':' + n for n in names)})")
            params.update(zip(names, self.card_ids))
        return " and ".join(clauses), params


@dataclass(frozen=True)
class SessionCard:
    """A card as a study session hands it out: what it shows (`kind`, `data`, from the deck file
    through the loader's `CardContent`) and where it stands in its schedule."""

    id: str
    deck: str
    kind: str
    data: CardData
    state: int
    due: float | None
    reps: int
    lapses: int


@dataclass(frozen=True)
class Counts:
    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass(frozen=True)
class _Buried:
    """A sibling an answer buried."""

    card_id: str
    buried_until: float | None
    """Before this answer buried it."""
    state: int
    due: float | None
    waiting: bool
    """It counted among the session's waiting cards (it matches the session's filter)."""


@dataclass
class _Undo:
    card_id: str
    before: dict
    review_id: int | None
    siblings: dict[str, float | None] = field(default_factory=dict)
    """Siblings this answer buried, with the `buried_until` each had before."""


@dataclass
class AnsweredToday:
    """Today's answers that count against the daily limits (Anki's "new cards/day", "maximum reviews/day")."""

    start: float
    """When the study day began (epoch seconds)."""
    introduced: int
    """New cards answered for the first time today."""
    reviewed: int
    """Answers to cards in review today."""

    def new_left(self, settings: Settings) -> int:
        return max(settings.new_cards_per_day - self.introduced, 0)

    def reviews_left(self, settings: Settings) -> int:
        return max(settings.reviews_per_day - self.reviewed, 0)


@dataclass
class SessionTally:
    ratings: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0, 4: 0})
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return sum(self.ratings.values())


class StudySession:
    """Orchestrates one sitting: asks the database what is due and records each answer."""

    def __init__(
        self,
        db: QuizDatabase,
        settings: Settings,
        study_filter: StudyFilter = StudyFilter(),
        new_limit: int | None = None,
    ) -> None:
        """
        Args:
            new_limit: new cards to introduce in this session (`--new N`); by default what is
                left of the daily allowance.
        """
        self.db = db
        self.settings = settings
        self.filter = study_filter
        parameters = parameters_in_use(db, CARDS)
        self.scheduler = make_scheduler(settings, parameters=parameters)
        self.preview_scheduler = make_scheduler(settings, fuzz=False, parameters=parameters)
        self.session_new_limit = new_limit
        self.new_seen = 0
        self.crammed: set[str] = set()
        """Cards answered in this session; in cram mode each comes once more only if FSRS says so."""
        self.tally = SessionTally()
        self._undo: list[_Undo] = []
        self._today: AnsweredToday | None = None
        self._due_today: list[int] | None = None
        """The learning and the review cards due today, before the daily limit; see `counts`."""
        self._due_today_until = 0.0
        self._day_bounds = (0.0, 0.0)

    # -- what comes next ---------------------------------------------------------------------------

    def new_allowance(self, now: datetime) -> int:
        if self.session_new_limit is not None:
            return max(self.session_new_limit - self.new_seen, 0)
        return self._answered_today(now).new_left(self.settings)

    def review_allowance(self, now: datetime) -> int:
        if self.filter.cram:
            return 1 << 30
        return self._answered_today(now).reviews_left(self.settings)

    def _day(self, now: datetime) -> tuple[float, float]:
        """Start and end of the study day holding `now`, worked out again once `now` leaves it."""
        if not self._day_bounds[0] <= now.timestamp() < self._day_bounds[1]:
            self._day_bounds = day_bounds(now, self.settings.day_starts_at_hour)
        return self._day_bounds

    def _answered_today(self, now: datetime) -> AnsweredToday:
        """Today's answers, counted from the log once a study day and then kept by `rate`: counting
        them on every answer grew with the day's reviews (3.4 ms after 10,000)."""
        start, _end = self._day(now)
        if self._today is None or self._today.start != start:
            self._today = answered_today(self.db, self.settings, now)
        return self._today

    def next_card(self, now: datetime) -> SessionCard | None:
        where, params = self.filter.sql()
        t = now.timestamp()
        _start, day_end = self._day(now)
        params = {**params, "now": t, "day_end": day_end, "ahead": t + LEARN_AHEAD.total_seconds()}
        queries = [
            f"select * from cards where state in (1, 3) and due <= :now and {where} order by due limit 1"
        ]
        if self.review_allowance(now) > 0:
            queries.append(
                f"select * from cards where state = 2 and due < :day_end and {where} order by due limit 1"
            )
        if self.new_allowance(now) > 0:
            queries.append(f"select * from cards where state = 0 and {where} order by deck, position limit 1")
        queries.append(
            f"select * from cards where state in (1, 3) and due <= :ahead and {where} order by due limit 1"
        )
        if self.filter.cram:
            queries.append(
                f"select * from cards where {where} and {self._not_crammed_yet()} order by lapses desc, id limit 1"
            )
        for sql in queries:
            row = next(self.db.query(sql, params), None)
            if row is not None:
                return _study_row(row)
        return None

    def counts(self, now: datetime) -> Counts:
        """What is left today under this session's filter, within the daily limits.

        The learning and review cards due today are counted in the database once a study day (and
        after an undo, a suspension or a burial), then kept by `rate` from what each answer changed,
        as Anki's queues keep theirs: counting them on every answer cost 2 ms at 100k cards. New
        cards are counted each time, but only up to the day's allowance (a few rows).
        """
        where, params = self.filter.sql()
        _start, day_end = self._day(now)
        params = {**params, "now": now.timestamp(), "day_end": day_end}
        allowance = self.new_allowance(now)
        new = 0
        if allowance:
            new = self.db.execute(
                f"select count(*) from (select 1 from cards where state = 0 and {where} limit :cap)",
                {**params, "cap": allowance},
            ).fetchone()[0]
        if self.filter.cram:
            learning, _review = self._count_due(where, params)
            review = self.db.execute(
                f"select count(*) from cards where {where} and {self._not_crammed_yet()}", params
            ).fetchone()[0]
            return Counts(new=new, learning=learning, review=review)
        if self._due_today is None or self._due_today_until != day_end:
            self._due_today, self._due_today_until = self._count_due(where, params), day_end
        learning, review = self._due_today
        return Counts(new=new, learning=learning, review=min(review, self.review_allowance(now)))

    def _count_due(self, where: str, params: dict[str, object]) -> list[int]:
        """The learning and the review cards due before the study day ends."""
        return [
            self.db.execute(
                f"select count(*) from cards where {states} and due < :day_end and {where}", params
            ).fetchone()[0]
            for states in ("state in (1, 3)", "state = 2")
        ]

    def _keep_count(self, state: int, due: float | None, change: int, day_end: float) -> None:
        """Add `change` to the due-today count a card with this state and due time belongs to."""
        if self._due_today is None or self._due_today_until != day_end or due is None or due >= day_end:
            return
        if state == State.Review:
            self._due_today[1] += change
        elif state in (State.Learning, State.Relearning):
            self._due_today[0] += change

    def held_back(self, now: datetime) -> list[str]:
        """Why cards that exist are not shown today, and how to study them anyway (the daily limits)."""
        where, params = self.filter.sql()
        _start, day_end = self._day(now)
        params = {**params, "now": now.timestamp(), "day_end": day_end}
        reasons = []
        if (
            self.new_allowance(now) == 0
            and self.db.execute(f"select 1 from cards where state = 0 and {where} limit 1", params).fetchone()
        ):
            reasons.append(
                f"Today's {self.settings.new_cards_per_day} new cards are done. "
                f"`quizapp study{self.filter.options()} --new 10` "
                "introduces more now; new_cards_per_day in config.toml changes the daily number."
            )
        if (
            self.review_allowance(now) == 0
            and self.db.execute(
                f"select 1 from cards where state = 2 and due < :day_end and {where} limit 1", params
            ).fetchone()
        ):
            reasons.append(
                f"Today's limit of {self.settings.reviews_per_day} reviews is reached; the rest wait for "
                "tomorrow (reviews_per_day in config.toml raises it)."
            )
        return reasons

    def _not_crammed_yet(self) -> str:
        done = ", ".join("'" + card_id.replace("'", "''") + "'" for card_id in self.crammed)
        return f"id not in ({done})" if done else "1"

    def next_due_after_session(self, now: datetime) -> datetime | None:
        where, params = self.filter.sql()
        row = self.db.execute(
            f"select min(due) from cards where state > 0 and {where}", {**params, "now": now.timestamp()}
        ).fetchone()
        return from_epoch(row[0])

    # -- answering ---------------------------------------------------------------------------------

    def preview(self, card_id: str, now: datetime) -> dict[int, timedelta]:
        """The interval each grade would give (without fuzz, as Anki shows it)."""
        card = fsrs_card(self._schedule_row(card_id), now)
        hour = self.settings.day_starts_at_hour
        after = outcomes(self.preview_scheduler, card, now, day_starts_at_hour=hour)
        return {rating.value: card.due - now for rating, card in after.items()}

    def rate(self, card_id: str, rating: int, now: datetime, duration_ms: int | None = None) -> bool:
        """Grade a card and commit it, together with its review-log row (and its siblings buried).

        Returns True when this answer made the card a leech, which suspends it.
        """
        today = self._answered_today(now)  # counted before this answer is logged
        _start, day_end = self._day(now)
        with write_transaction(self.db):
            before, deck, note_id = self._answer_row(card_id)
            card = answer(
                self.scheduler,
                fsrs_card(before, now),
                Rating(rating),
                now,
                day_starts_at_hour=self.settings.day_starts_at_hour,
            )
            after = columns_after(card, before, rating, now.timestamp())
            threshold = self.settings.leech_lapses
            leech = bool(
                threshold
                and is_lapse(rating, before["state"])
                and after["lapses"] >= threshold
                and (after["lapses"] - threshold) % max(threshold // 2, 1) == 0
            )
            self.db.execute(_UPDATE_SCHEDULE, {**after, "id": card_id, "suspend": int(leech)})
            siblings = self._bury_siblings(card_id, note_id, now)
            review_id = self.db.execute(
                _INSERT_REVIEW,
                {
                    **after,
                    "card_id": card_id,
                    "deck": deck,
                    "day": study_day(now.timestamp(), self.settings.day_starts_at_hour),
                    "rating": rating,
                    "reviewed_at": now.timestamp(),
                    "duration_ms": duration_ms,
                    "state_before": before["state"],
                    "before": json.dumps(before),
                },
            ).lastrowid
        if before["state"] == NEW:
            self.new_seen += 1
            today.introduced += 1
        elif before["state"] == State.Review:
            today.reviewed += 1
        self._keep_count(before["state"], before["due"], -1, day_end)
        if not leech:
            self._keep_count(after["state"], after["due"], +1, day_end)
        for sibling in siblings:
            if sibling.waiting:
                self._keep_count(sibling.state, sibling.due, -1, day_end)
        self.crammed.add(card_id)
        self.tally.ratings[rating] += 1
        self.tally.seconds += (duration_ms or 0) / 1000
        undo_to = {**before, "suspended": 0} if leech else before
        self._undo.append(_Undo(card_id, undo_to, review_id, {b.card_id: b.buried_until for b in siblings}))
        return leech

    def _bury_siblings(self, card_id: str, note_id: str | None, now: datetime) -> list[_Buried]:
        """The other cards of the same note (a reverse, the other clozes) wait for tomorrow, as in
        Anki: shown the same day, the first would give the second's answer away."""
        if note_id is None:
            return []
        where, params = self.filter.sql()
        _start, day_end = self._day(now)
        rows = self.db.execute(
            f"select id, buried_until, state, due, ({where}) from cards where note_id = :note and id != :id "
            "and present = 1 and suspended = 0 and (state = 0 or (state = 2 and due < :day_end)) "
            "and (buried_until is null or buried_until < :day_end)",
            {**params, "note": note_id, "id": card_id, "day_end": day_end, "now": now.timestamp()},
        ).fetchall()
        if rows:
            marks = ", ".join("?" * len(rows))
            self.db.execute(
                f"update cards set buried_until = ? where id in ({marks})", [day_end, *(r[0] for r in rows)]
            )
        return [
            _Buried(card_id, buried_until, state, due, bool(waiting))
            for card_id, buried_until, state, due, waiting in rows
        ]

    def suspend(self, card_id: str) -> None:
        self._set_flag(card_id, {"suspended": 1})

    def bury(self, card_id: str, now: datetime) -> None:
        """Hide the card until the next study day starts."""
        _start, day_end = self._day(now)
        self._set_flag(card_id, {"buried_until": day_end})

    def _set_flag(self, card_id: str, values: dict) -> None:
        with write_transaction(self.db):
            suspended, buried_until = self.db.execute(
                "select suspended, buried_until from cards where id = ?", [card_id]
            ).fetchone()
            _set_columns(self.db, card_id, values)
        self._undo.append(_Undo(card_id, {"suspended": suspended, "buried_until": buried_until}, None))
        self._due_today = None  # counted again

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self, now: datetime) -> str | None:
        """Take back the last answer, suspension or burial of this session; returns the card id."""
        if not self._undo:
            return None
        last = self._undo[-1]  # taken off only once undone: a write that fails can be tried again
        with write_transaction(self.db):
            _set_columns(self.db, last.card_id, last.before)
            for sibling, buried_until in last.siblings.items():
                self.db.execute("update cards set buried_until = ? where id = ?", [buried_until, sibling])
            if last.review_id is not None:
                self.db.execute(
                    "update reviews set undone_at = ? where id = ?", [now.timestamp(), last.review_id]
                )
        self._undo.pop()
        if last.review_id is not None:
            rating = self.db.execute("select rating from reviews where id = ?", [last.review_id]).fetchone()[
                0
            ]
            self.tally.ratings[rating] -= 1
            if last.before["state"] == NEW:
                self.new_seen -= 1
            self._today = None  # counted again from the log: the undone answer may be yesterday's
            self.crammed.discard(last.card_id)
        self._due_today = None  # counted again
        return last.card_id

    def card(self, card_id: str) -> SessionCard:
        row = next(self.db.query("select * from cards where id = ?", [card_id]), None)
        if row is None:
            raise KeyError(card_id)
        return _study_row(row)

    def _answer_row(self, card_id: str) -> tuple[dict, str, str | None]:
        """The card's schedule columns, its deck and its note, in one read."""
        row = self.db.execute(_SELECT_FOR_ANSWER, [card_id]).fetchone()
        if row is None:
            raise KeyError(card_id)
        return dict(zip(SCHEDULE_COLUMNS, row)), row[-2], row[-1]

    def _schedule_row(self, card_id: str) -> dict:
        row = self.db.execute(
            f"select {', '.join(SCHEDULE_COLUMNS)} from cards where id = ?", [card_id]
        ).fetchone()
        if row is None:
            raise KeyError(card_id)
        return dict(zip(SCHEDULE_COLUMNS, row))


# The answer path's statements, prepared once by sqlite3's statement cache; sqlite-utils'
# `table.update`/`insert` read the table's schema on every call (10 statements per answer).
_SELECT_FOR_ANSWER = f"select {', '.join(SCHEDULE_COLUMNS)}, deck, note_id from cards where id = ?"
_UPDATE_SCHEDULE = (
    "update cards set state = :state, step = :step, stability = :stability, difficulty = :difficulty, "
    "due = :due, last_review = :last_review, reps = :reps, lapses = :lapses, "
    "suspended = max(suspended, :suspend) where id = :id"
)
_INSERT_REVIEW = (
    "insert into reviews (card_id, deck, day, rating, reviewed_at, duration_ms, state_before, before, "
    "state, stability, difficulty, due) values (:card_id, :deck, :day, :rating, :reviewed_at, :duration_ms, "
    ":state_before, :before, :state, :stability, :difficulty, :due)"
)


def _set_columns(db: QuizDatabase, card_id: str, values: dict) -> None:
    """Write `values` (columns of ours: schedule and flags) into the card's row."""
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    db.execute(f"update cards set {assignments} where id = :id", {**values, "id": card_id})


def _study_row(row: dict) -> SessionCard:
    return SessionCard(
        id=row["id"],
        deck=row["deck"],
        kind=row["kind"],
        data=json.loads(row["data"]),
        state=row["state"],
        due=row["due"],
        reps=row["reps"],
        lapses=row["lapses"],
    )


def hardest_cards(
    db: QuizDatabase, count: int, now: datetime, study_filter: StudyFilter = StudyFilter()
) -> tuple[str, ...]:
    """The cards with the most lapses (then the highest difficulty) that have lapsed at least once."""
    where, params = study_filter.sql()
    rows = db.execute(
        f"select id from cards where lapses > 0 and {where} order by lapses desc, difficulty desc, id limit :count",
        {**params, "now": now.timestamp(), "count": count},
    ).fetchall()
    return tuple(row[0] for row in rows)


def answered_today(db: QuizDatabase, settings: Settings, now: datetime) -> AnsweredToday:
    """Today's answers over all decks, from the log (undone ones left out)."""
    start, _end = day_bounds(now, settings.day_starts_at_hour)
    today = study_day(now.timestamp(), settings.day_starts_at_hour)
    # By the study day stored with each answer (clock.study_day says why): after flying east,
    # yesterday's answers made late in the old zone's evening do not eat today's allowance.
    introduced, reviewed = db.execute(
        "select count(distinct case when state_before = 0 then card_id end), coalesce(sum(state_before = 2), 0) "
        "from reviews where day >= ? and undone_at is null",
        [today],
    ).fetchone()
    return AnsweredToday(start, introduced, reviewed)


def deck_overview(db: QuizDatabase, settings: Settings, now: datetime) -> list[dict]:
    """Per deck: title, and how many new, learning and due cards wait today (home screen)."""
    t = now.timestamp()
    _start, day_end = day_bounds(now, settings.day_starts_at_hour)
    rows = db.query(
        """
        select d.id, d.title,
          coalesce(sum(c.state = 0), 0) as new,
          coalesce(sum(c.state in (1, 3) and c.due < :day_end), 0) as learning,
          coalesce(sum(c.state = 2 and c.due < :day_end), 0) as due,
          count(c.id) as total
        from decks d left join cards c
          on c.deck = d.id and c.present = 1 and c.suspended = 0
          and (c.buried_until is null or c.buried_until <= :now)
        where d.present = 1
        group by d.id order by d.title
        """,
        {"now": t, "day_end": day_end},
    )
    # The daily limits are over all decks: no deck shows more than is left of them today.
    today = answered_today(db, settings, now)
    new_left, reviews_left = today.new_left(settings), today.reviews_left(settings)
    return [{**row, "new": min(row["new"], new_left), "due": min(row["due"], reviews_left)} for row in rows]
