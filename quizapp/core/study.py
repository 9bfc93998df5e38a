"""A study session: which card comes next, grading with FSRS, undo, suspend and bury.

Every answer is committed (card state and review log in one transaction) before `rate` returns,
so whatever the learner has seen acknowledged survives a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fsrs import Rating, State

from quizapp.config import Settings
from quizapp.core.clock import day_bounds, from_epoch, study_day
from quizapp.core.db import write_transaction
from quizapp.core.parameters import CARDS, parameters_in_use
from quizapp.core.scheduling import NEW, SCHEDULE_COLUMNS, answer, fsrs_card, is_lapse, make_scheduler

if TYPE_CHECKING:
    from sqlite_utils import Database

LEARN_AHEAD = timedelta(minutes=20)


@dataclass(frozen=True)
class StudyFilter:
    deck: str | None = None
    tag: str | None = None
    card_ids: tuple[str, ...] | None = None
    cram: bool = False
    """Go through every matching card once, due or not (e.g. the hardest cards, from stats).
    Answers are graded by FSRS as usual, which handles early reviews."""

    def sql(self) -> tuple[str, list]:
        clauses = ["present = 1", "suspended = 0", "(buried_until is null or buried_until <= :now)"]
        params: dict = {}
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
class StudyCardRow:
    id: str
    deck: str
    kind: str
    data: dict
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
        db: Database,
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

    # -- what comes next ---------------------------------------------------------------------------

    def new_allowance(self, now: datetime) -> int:
        if self.session_new_limit is not None:
            return max(self.session_new_limit - self.new_seen, 0)
        return self._answered_today(now).new_left(self.settings)

    def review_allowance(self, now: datetime) -> int:
        if self.filter.cram:
            return 1 << 30
        return self._answered_today(now).reviews_left(self.settings)

    def _answered_today(self, now: datetime) -> AnsweredToday:
        """Today's answers, counted from the log once a study day and then kept by `rate`: counting
        them on every answer grew with the day's reviews (3.4 ms after 10,000)."""
        start, _end = day_bounds(now, self.settings.day_starts_at_hour)
        if self._today is None or self._today.start != start:
            self._today = answered_today(self.db, self.settings, now)
        return self._today

    def next_card(self, now: datetime) -> StudyCardRow | None:
        where, params = self.filter.sql()
        t = now.timestamp()
        _start, day_end = day_bounds(now, self.settings.day_starts_at_hour)
        params = {**params, "now": t, "day_end": day_end, "ahead": t + LEARN_AHEAD.total_seconds()}
        queries = [f"select * from cards where state in (1, 3) and due <= :now and {where} order by due limit 1"]
        if self.review_allowance(now) > 0:
            queries.append(f"select * from cards where state = 2 and due < :day_end and {where} order by due limit 1")
        if self.new_allowance(now) > 0:
            queries.append(f"select * from cards where state = 0 and {where} order by deck, position limit 1")
        queries.append(f"select * from cards where state in (1, 3) and due <= :ahead and {where} order by due limit 1")
        if self.filter.cram:
            queries.append(f"select * from cards where {where} and {self._not_crammed_yet()} order by lapses desc, id limit 1")
        for sql in queries:
            row = next(self.db.query(sql, params), None)
            if row is not None:
                return _study_row(row)
        return None

    def counts(self, now: datetime) -> Counts:
        """What is left today under this session's filter."""
        where, params = self.filter.sql()
        t = now.timestamp()
        _start, day_end = day_bounds(now, self.settings.day_starts_at_hour)
        params = {**params, "now": t, "day_end": day_end}
        learning = self.db.execute(
            f"select count(*) from cards where state in (1, 3) and due < :day_end and {where}", params
        ).fetchone()[0]
        review = self.db.execute(
            f"select count(*) from cards where state = 2 and due < :day_end and {where}", params
        ).fetchone()[0]
        review = min(review, self.review_allowance(now))
        allowance = self.new_allowance(now)
        new = 0
        if allowance:
            new = self.db.execute(
                f"select count(*) from (select 1 from cards where state = 0 and {where} limit :cap)",
                {**params, "cap": allowance},
            ).fetchone()[0]
        if self.filter.cram:
            review = self.db.execute(
                f"select count(*) from cards where {where} and {self._not_crammed_yet()}", params
            ).fetchone()[0]
        return Counts(new=new, learning=learning, review=review)

    def held_back(self, now: datetime) -> list[str]:
        """Why cards that exist are not shown today, and how to study them anyway (the daily limits)."""
        where, params = self.filter.sql()
        _start, day_end = day_bounds(now, self.settings.day_starts_at_hour)
        params = {**params, "now": now.timestamp(), "day_end": day_end}
        reasons = []
        if self.new_allowance(now) == 0 and self.db.execute(
                f"select 1 from cards where state = 0 and {where} limit 1", params).fetchone():
            reasons.append(f"Today's {self.settings.new_cards_per_day} new cards are done. `quizapp study --new 10` "
                           "introduces more now; new_cards_per_day in config.toml changes the daily number.")
        if self.review_allowance(now) == 0 and self.db.execute(
                f"select 1 from cards where state = 2 and due < :day_end and {where} limit 1", params).fetchone():
            reasons.append(f"Today's limit of {self.settings.reviews_per_day} reviews is reached; the rest wait for "
                           "tomorrow (reviews_per_day in config.toml raises it).")
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
        return {rating.value: answer(self.preview_scheduler, card, rating, now, day_starts_at_hour=hour).due - now
                for rating in Rating}

    def rate(self, card_id: str, rating: int, now: datetime, duration_ms: int | None = None) -> bool:
        """Grade a card and commit it, together with its review-log row (and its siblings buried).

        Returns True when this answer made the card a leech, which suspends it.
        """
        today = self._answered_today(now)  # counted before this answer is logged
        with write_transaction(self.db):
            before = self._schedule_row(card_id)
            card = answer(self.scheduler, fsrs_card(before, now), Rating(rating), now,
                          day_starts_at_hour=self.settings.day_starts_at_hour)
            after = {
                "state": int(card.state),
                "step": card.step,
                "stability": card.stability,
                "difficulty": card.difficulty,
                "due": card.due.timestamp(),
                "last_review": now.timestamp(),
                "reps": before["reps"] + 1,
                "lapses": before["lapses"] + is_lapse(rating, before["state"]),
            }
            threshold = self.settings.leech_lapses
            leech = bool(threshold and is_lapse(rating, before["state"]) and after["lapses"] >= threshold
                         and (after["lapses"] - threshold) % max(threshold // 2, 1) == 0)
            if leech:  # as Anki: at the threshold, then every half threshold more
                after["suspended"] = 1
            self.db["cards"].update(card_id, after)
            siblings = self._bury_siblings(card_id, now)
            review_id = self.db["reviews"].insert(
                {
                    "card_id": card_id,
                    "deck": self.db.execute("select deck from cards where id = ?", [card_id]).fetchone()[0],
                    "day": study_day(now.timestamp(), self.settings.day_starts_at_hour),
                    "rating": rating,
                    "reviewed_at": now.timestamp(),
                    "duration_ms": duration_ms,
                    "state_before": before["state"],
                    "before": json.dumps(before),
                    "state": after["state"],
                    "stability": after["stability"],
                    "difficulty": after["difficulty"],
                    "due": after["due"],
                }
            ).last_pk
        if before["state"] == NEW:
            self.new_seen += 1
            today.introduced += 1
        elif before["state"] == State.Review:
            today.reviewed += 1
        self.crammed.add(card_id)
        self.tally.ratings[rating] += 1
        self.tally.seconds += (duration_ms or 0) / 1000
        self._undo.append(_Undo(card_id, {**before, "suspended": 0} if leech else before, review_id, siblings))
        return leech

    def _bury_siblings(self, card_id: str, now: datetime) -> dict[str, float | None]:
        """The other cards of the same note (a reverse, the other clozes) wait for tomorrow, as in
        Anki: shown the same day, the first would give the second's answer away."""
        _start, day_end = day_bounds(now, self.settings.day_starts_at_hour)
        buried = dict(self.db.execute(
            "select id, buried_until from cards where note_id = (select note_id from cards where id = :id) "
            "and id != :id and present = 1 and suspended = 0 and (state = 0 or (state = 2 and due < :day_end)) "
            "and (buried_until is null or buried_until < :day_end)",
            {"id": card_id, "day_end": day_end},
        ).fetchall())
        if buried:
            marks = ", ".join("?" * len(buried))
            self.db.execute(f"update cards set buried_until = ? where id in ({marks})", [day_end, *buried])
        return buried

    def suspend(self, card_id: str) -> None:
        self._set_flag(card_id, {"suspended": 1})

    def bury(self, card_id: str, now: datetime) -> None:
        """Hide the card until the next study day starts."""
        _start, day_end = day_bounds(now, self.settings.day_starts_at_hour)
        self._set_flag(card_id, {"buried_until": day_end})

    def _set_flag(self, card_id: str, values: dict) -> None:
        with write_transaction(self.db):
            row = self.db["cards"].get(card_id)
            before = {key: row[key] for key in ("suspended", "buried_until")}
            self.db["cards"].update(card_id, values)
        self._undo.append(_Undo(card_id, before, None))

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self, now: datetime) -> str | None:
        """Take back the last answer, suspension or burial of this session; returns the card id."""
        if not self._undo:
            return None
        last = self._undo.pop()
        with write_transaction(self.db):
            self.db["cards"].update(last.card_id, last.before)
            for sibling, buried_until in last.siblings.items():
                self.db.execute("update cards set buried_until = ? where id = ?", [buried_until, sibling])
            if last.review_id is not None:
                self.db.execute("update reviews set undone_at = ? where id = ?", [now.timestamp(), last.review_id])
        if last.review_id is not None:
            rating = self.db["reviews"].get(last.review_id)["rating"]
            self.tally.ratings[rating] -= 1
            if last.before["state"] == NEW:
                self.new_seen -= 1
            self._today = None  # counted again from the log: the undone answer may be yesterday's
            self.crammed.discard(last.card_id)
        return last.card_id

    def card(self, card_id: str) -> StudyCardRow:
        return _study_row(self.db["cards"].get(card_id))

    def _schedule_row(self, card_id: str) -> dict:
        row = self.db.execute(
            f"select {', '.join(SCHEDULE_COLUMNS)} from cards where id = ?", [card_id]
        ).fetchone()
        if row is None:
            raise KeyError(card_id)
        return dict(zip(SCHEDULE_COLUMNS, row))


def _study_row(row: dict) -> StudyCardRow:
    return StudyCardRow(
        id=row["id"],
        deck=row["deck"],
        kind=row["kind"],
        data=json.loads(row["data"]),
        state=row["state"],
        due=row["due"],
        reps=row["reps"],
        lapses=row["lapses"],
    )


def suspended_cards(db: Database) -> list[dict]:
    """Suspended cards still in the files: id, deck and the first line of what each asks."""
    rows = db.query("select id, deck, data from cards where suspended = 1 and present = 1 order by deck, position")
    return [{"id": row["id"], "deck": row["deck"], "prompt": card_prompt(row["data"])} for row in rows]


def unsuspend_cards(db: Database, card_ids: list[str]) -> int:
    with write_transaction(db):
        for card_id in card_ids:
            db.execute("update cards set suspended = 0 where id = ?", [card_id])
    return len(card_ids)


def card_prompt(data: str | None, width: int = 60) -> str:
    """The first line of what a card asks, to recognise it in a list."""
    try:
        fields = json.loads(data or "{}")
    except ValueError:
        return ""
    text = next((fields[key] for key in ("front", "question", "text", "code") if fields.get(key)), "")
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def hardest_cards(db: Database, count: int, now: datetime, study_filter: StudyFilter = StudyFilter()) -> tuple[str, ...]:
    """The cards with the most lapses (then the highest difficulty) that have lapsed at least once."""
    where, params = study_filter.sql()
    rows = db.execute(
        f"select id from cards where lapses > 0 and {where} order by lapses desc, difficulty desc, id limit :count",
        {**params, "now": now.timestamp(), "count": count},
    ).fetchall()
    return tuple(row[0] for row in rows)


def answered_today(db: Database, settings: Settings, now: datetime) -> AnsweredToday:
    """Today's answers over all decks, from the log (undone ones left out)."""
    start, _end = day_bounds(now, settings.day_starts_at_hour)
    introduced, reviewed = db.execute(
        "select count(distinct case when state_before = 0 then card_id end), coalesce(sum(state_before = 2), 0) "
        "from reviews where reviewed_at >= ? and undone_at is null",
        [start],
    ).fetchone()
    return AnsweredToday(start, introduced, reviewed)


def deck_overview(db: Database, settings: Settings, now: datetime) -> list[dict]:
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
