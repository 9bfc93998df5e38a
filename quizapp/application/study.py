"""Studying cards: which cards a sitting takes, and the sitting itself (show, answer, grade, undo).

"Grade a card", from the key press to the database: the study screen calls `Study.grade(rating)`,
which caps how long the card was on screen and calls `StudySession.rate`, which schedules it with
FSRS and commits the card's state and its review-log row together. What the learner typed or chose
is judged before that by the card's kind (`Study.answer_typed`, `Study.choose`), which also gives
the rating suggested for Enter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from quizapp.core.clock import utc_now
from quizapp.core.kinds import Answer, CardData, Kind, kind_of
from quizapp.core.study import (
    Counts,
    SessionCard,
    SessionTally,
    StudyFilter,
    StudySession,
    hardest_cards,
)

if TYPE_CHECKING:
    from quizapp.application.collection import Collection
    from quizapp.core.db import QuizDatabase
    from quizapp.exercises.typed_run import AnswerRunner

MAX_ANSWER_MS = 600_000
"""The longest time an answer is logged with: a card left on screen longer (the learner walked
away) counts as ten minutes, so that it does not distort the time figures."""

AGAIN, GOOD = 1, 3

Judge = Callable[[CardData, str], bool]
"""Whether an answer (typed or chosen) to a card with this data is right."""


class StudyProblem(LookupError):
    """The cards asked for cannot be studied; the message says why, for the learner."""


class NoSuchDeck(StudyProblem):
    pass


# -- which cards ---------------------------------------------------------------------------------


def deck_ids(db: QuizDatabase) -> list[str]:
    """The ids of the decks whose files are present, sorted."""
    return sorted(row[0] for row in db.execute("select id from decks where present = 1"))


class NoSuchTag(StudyProblem):
    pass


def find_deck(db: QuizDatabase, name: str) -> str:
    """The id of the present deck called `name`: its id, or its title, in any case.

    Raises:
        NoSuchDeck: no present deck has that id or title; the message names the known ones.
    """
    decks = db.execute("select id, title from decks where present = 1 order by id").fetchall()
    wanted = name.casefold()
    for exact in (True, False):
        for deck_id, title in decks:
            if deck_id == name if exact else wanted in (deck_id.casefold(), (title or "").casefold()):
                return str(deck_id)
    known = ", ".join(deck_id for deck_id, _title in decks)
    raise NoSuchDeck(f"no such deck (known ids: {known or 'none'}; `quizapp decks` lists them with titles)")


def tag_counts(db: QuizDatabase) -> dict[str, int]:
    """Every tag of a present card → how many present cards carry it, by tag."""
    counts: dict[str, int] = {}
    for (tags,) in db.execute("select tags from cards where present = 1 and tags != ''"):
        for tag in tags.split():
            counts[tag] = counts.get(tag, 0) + 1
    return dict(sorted(counts.items()))


def deck_counts(db: QuizDatabase) -> list[tuple[str, str, int]]:
    """(id, title, cards) of every present deck, by id."""
    rows = db.execute(
        "select d.id, d.title, count(c.id) from decks d left join cards c on c.deck = d.id and c.present = 1"
        " where d.present = 1 group by d.id order by d.id"
    )
    return [(str(deck_id), str(title or ""), int(count)) for deck_id, title, count in rows]


def deck_title(db: QuizDatabase, deck_id: str) -> str | None:
    row = db.execute("select title from decks where id = ?", [deck_id]).fetchone()
    return None if row is None else str(row[0])


def choose_cards(
    db: QuizDatabase,
    *,
    deck: str | None = None,
    tag: str | None = None,
    hardest: int | None = None,
    now: datetime | None = None,
) -> StudyFilter:
    """What `quizapp study [--deck ID] [--tag TAG] [--hardest N]` studies.

    Raises:
        NoSuchDeck: `deck` is not a present deck's id or title.
        NoSuchTag: no present card has `tag`.
        StudyProblem: `hardest` is given but no card has lapsed yet.
    """
    if deck is not None:
        deck = find_deck(db, deck)
    if tag is not None and tag not in (known := tag_counts(db)):
        raise NoSuchTag(f"no card has this tag (known: {', '.join(known) or 'none'})")
    study_filter = StudyFilter(deck=deck, tag=tag)
    if hardest is None:
        return study_filter
    ids = hardest_cards(db, hardest, now or utc_now(), study_filter)
    if not ids:
        raise StudyProblem("no card has lapsed yet, so none is hard")
    return StudyFilter(deck=deck, tag=tag, card_ids=ids, cram=True)


# -- the sitting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Graded:
    card: SessionCard
    rating: int
    duration_ms: int
    leech: bool
    """This answer made the card a leech, which suspended it."""


class Study:
    """One sitting: the card on screen, the learner's answer to it, and its grade.

    The study screen renders what this holds and calls one method per key; every rule (judging,
    the suggested rating, the duration cap, scheduling) is here or below.
    """

    def __init__(
        self,
        collection: Collection,
        study_filter: StudyFilter | None = None,
        new_limit: int | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        timer: Callable[[], float] = time.monotonic,
        judges: Mapping[str, Judge] | None = None,
        run_answers: bool = True,
    ) -> None:
        """
        Args:
            new_limit: new cards to introduce in this sitting (`--new N`).
            clock: the current UTC time (tests pass a fixed one).
            timer: seconds on a monotonic clock, to time each answer.
            judges: kind name → judge, replacing that kind's own.
            run_answers: judge a typed answer that matches none of a card's spellings by running it on
                the card's fixture in the sandbox (type cards that declare one).
        """
        self.filter = study_filter or StudyFilter()
        self.db = collection.db
        self.session = StudySession(collection.db, collection.settings, self.filter, new_limit)
        self.clock = clock
        self.timer = timer
        self.judges = dict(judges or {})
        self.run_answers = run_answers
        self._runner: AnswerRunner | None = None
        self._runner_lock = threading.Lock()
        self._warming: threading.Thread | None = None
        self.card: SessionCard | None = None
        """The card on screen; None before the first and once nothing is left."""
        self.answer: Answer | None = None
        """What the learner typed or chose for the card on screen, judged."""
        self.choices: tuple[str, ...] = ()
        """The options of the card on screen, in the order shown (empty unless it has options)."""
        self._shown_at = 0.0
        self.set_aside: dict[str, str] = {}
        """Card id → "suspended" or "buried", for what this sitting set aside (and did not undo)."""

    @property
    def title(self) -> str:
        """What this sitting studies, in words: the deck's title, a tag, or the hardest cards."""
        if self.filter.cram:
            return "Hardest cards"
        if self.filter.deck:
            return deck_title(self.db, self.filter.deck) or self.filter.deck
        return f"#{self.filter.tag}" if self.filter.tag else "All decks"

    # -- showing -----------------------------------------------------------------------------------

    def next_card(self) -> SessionCard | None:
        """Put the next card on screen (None: nothing is left)."""
        return self.show(self.session.next_card(self.clock()))

    def show(self, card: SessionCard | None) -> SessionCard | None:
        """Put `card` on screen, unanswered, its answer time starting now."""
        self.card = card
        self.answer = None
        self.choices = () if card is None else kind_of(card.kind).choices(card.id, card.data)
        self._shown_at = self.timer()
        self._warm_runner_for(card)
        return card

    def show_id(self, card_id: str) -> SessionCard:
        """Put the card with this id on screen. KeyError if there is none."""
        card = self.session.card(card_id)
        self.show(card)
        return card

    @property
    def kind(self) -> Kind | None:
        return kind_of(self.card.kind) if self.card is not None else None

    # -- answering ---------------------------------------------------------------------------------

    def answer_typed(self, given: str) -> Answer:
        """Judge what the learner typed for the card on screen."""
        return self._judge(given)

    def choose(self, number: int) -> Answer | None:
        """Judge option `number` (1 is the first shown); None if there is no such option."""
        choices = self.choices
        if not 1 <= number <= len(choices):
            return None
        return self._judge(choices[number - 1])

    def _judge(self, given: str) -> Answer:
        card = self._current()
        judge = self.judges.get(card.kind) or kind_of(card.kind).judge
        answer = Answer(given, judge(card.data, given))
        if not answer.correct and self.runs_answer(card):
            answer = self._judge_by_running(card, given)
        self.answer = answer
        return answer

    def runs_answer(self, card: SessionCard | None = None) -> bool:
        """Whether a typed answer to `card` (default: the one on screen) that is not one of its
        spellings is run on the card's fixture to judge it; that may take a moment."""
        card = card or self.card
        return card is not None and self.run_answers and bool(card.data.get("fixture"))

    def _judge_by_running(self, card: SessionCard, given: str) -> Answer:
        runner = self._answer_runner()
        judgement = runner.judge(card.data["fixture"], given, card.data["answers"][0])
        if judgement.same:
            return Answer(given, True, "Accepted by its result: it computes what the answer computes.")
        if judgement.same is False:
            return Answer(given, False, f"Run on the card's data: {judgement.detail}.")
        return Answer(given, False, f"Could not be run ({judgement.detail}), so it was matched as written.")

    def _answer_runner(self) -> AnswerRunner:
        with self._runner_lock:
            if self._runner is None:
                from quizapp.exercises.typed_run import AnswerRunner

                self._runner = AnswerRunner()
            return self._runner

    def _warm_runner_for(self, card: SessionCard | None) -> None:
        """Start the sandbox in the background the first time a card whose answer may be run shows,
        so that it is warm (torch or pandas imported) by the time the learner has typed."""
        if card is None or self._warming is not None or not self.runs_answer(card):
            return
        self._warming = threading.Thread(
            target=self._answer_runner().warm,
            args=([card.data["fixture"]],),
            name="quizapp-answer-sandbox",
            daemon=True,
        )
        self._warming.start()

    def close(self) -> None:
        """Stop the sandbox that ran answers, if one was started (a warm-up under way ends with it)."""
        self.run_answers = False
        with self._runner_lock:
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.close()

    @property
    def suggested_rating(self) -> int:
        """What Enter grades: Again after a wrong answer, Good otherwise."""
        return AGAIN if self.answer is not None and not self.answer.correct else GOOD

    def preview(self) -> dict[int, timedelta]:
        """The interval each rating would give the card on screen."""
        return self.session.preview(self._current().id, self.clock())

    def grade(self, rating: int, *, answered_at: float | None = None) -> Graded:
        """Grade the card on screen and commit it (the use case "grade a card").

        The answer's duration is the time since the card was shown, at most `MAX_ANSWER_MS`.
        The next card is not shown: call `next_card`.

        Args:
            answered_at: when the grade was given, on `timer`'s clock (default: now); a grade
                saved late, after waiting for the database, still times the answer up to then.
        """
        card = self._current()
        answered_at = self.timer() if answered_at is None else answered_at
        duration_ms = min(int((answered_at - self._shown_at) * 1000), MAX_ANSWER_MS)
        leech = self.session.rate(card.id, rating, self.clock(), duration_ms=duration_ms)
        return Graded(card, rating, duration_ms, leech)

    # -- taking back, setting aside ---------------------------------------------------------------

    def undo(self) -> SessionCard | None:
        """Take back the last answer, suspension or burial and show its card; None if there was none."""
        card_id = self.session.undo(self.clock())
        if card_id is None:
            return None
        self.set_aside.pop(card_id, None)
        return self.show_id(card_id)

    @property
    def can_undo(self) -> bool:
        return self.session.can_undo

    def bury(self) -> None:
        """Hide the card on screen until the next study day."""
        card_id = self._current().id
        self.session.bury(card_id, self.clock())
        self.set_aside[card_id] = "buried"

    def suspend(self) -> None:
        """Take the card on screen out of study until it is unsuspended."""
        card_id = self._current().id
        self.session.suspend(card_id)
        self.set_aside[card_id] = "suspended"

    # -- progress ----------------------------------------------------------------------------------

    def counts(self) -> Counts:
        return self.session.counts(self.clock())

    @property
    def tally(self) -> SessionTally:
        return self.session.tally

    def held_back(self) -> list[str]:
        return self.session.held_back(self.clock())

    def next_due_in(self) -> timedelta | None:
        """How long until the next card of this sitting's cards is due (None: none is scheduled)."""
        now = self.clock()
        upcoming = self.session.next_due_after_session(now)
        return None if upcoming is None else max(upcoming - now, timedelta(0))

    def _current(self) -> SessionCard:
        if self.card is None:
            raise LookupError("no card on screen")
        return self.card
