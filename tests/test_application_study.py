"""The study use cases: which cards a sitting takes, judging an answer, and grading a card."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from conftest import T0

from quizapp.application.collection import Collection
from quizapp.application.study import (
    MAX_ANSWER_MS,
    NoSuchDeck,
    NoSuchTag,
    Study,
    StudyProblem,
    choose_cards,
    deck_ids,
    deck_title,
    find_deck,
)
from quizapp.core.study import StudyFilter


class Timer:
    def __init__(self) -> None:
        self.seconds = 100.0

    def __call__(self) -> float:
        return self.seconds


def sitting(collection, study_filter=None, **kwargs) -> Study:
    return Study(collection, study_filter, clock=lambda: T0, **kwargs)


def test_deck_lookup(collection):
    assert deck_ids(collection.db) == ["demo"]
    assert find_deck(collection.db, "demo") == "demo"
    assert deck_title(collection.db, "demo") == "Demo 演示"
    assert deck_title(collection.db, "nope") is None
    assert find_deck(collection.db, "demo 演示") == "demo"  # a title, in any case
    assert find_deck(collection.db, "DEMO") == "demo"
    with pytest.raises(NoSuchDeck, match=r"^no such deck \(known ids: demo;"):
        find_deck(collection.db, "nope")


def test_choose_cards(collection):
    assert choose_cards(collection.db, deck="Demo 演示", tag="demo") == StudyFilter(deck="demo", tag="demo")
    with pytest.raises(NoSuchTag, match=r"^no card has this tag \(known: demo\)$"):
        choose_cards(collection.db, tag="t")
    with pytest.raises(NoSuchDeck):
        choose_cards(collection.db, deck="other")
    with pytest.raises(StudyProblem, match="no card has lapsed yet"):
        choose_cards(collection.db, hardest=5, now=T0)
    collection.db.execute("update cards set lapses = 2, state = 2, due = 0 where id = 'gap'")
    assert choose_cards(collection.db, hardest=5, now=T0) == StudyFilter(card_ids=("gap",), cram=True)


def test_the_title_says_what_is_studied(collection):
    assert sitting(collection).title == "All decks"
    assert sitting(collection, StudyFilter(deck="demo")).title == "Demo 演示"
    assert sitting(collection, StudyFilter(tag="demo")).title == "#demo"
    assert sitting(collection, StudyFilter(card_ids=("gap",), cram=True)).title == "Hardest cards"


def test_grading_logs_the_time_on_screen_capped_at_ten_minutes(collection):
    timer = Timer()
    study = sitting(collection, timer=timer)
    first = study.next_card()
    assert first is not None
    timer.seconds += 4.2
    graded = study.grade(3)
    assert (graded.card, graded.rating, graded.duration_ms, graded.leech) == (first, 3, 4200, False)
    second = study.next_card()
    assert second is not None and second.id != first.id
    timer.seconds += 3600
    assert study.grade(4).duration_ms == MAX_ANSWER_MS == 600_000
    logged = collection.db.execute("select card_id, rating, duration_ms from reviews order by id").fetchall()
    assert logged == [(first.id, 3, 4200), (second.id, 4, 600_000)]


def test_a_typed_answer_is_judged_by_the_kind_and_sets_the_suggested_rating(collection):
    study = sitting(collection)
    study.show_id("conv-t")  # output: "9"
    assert study.suggested_rating == 3
    assert study.answer_typed("10").correct is False
    assert study.suggested_rating == 1
    assert study.answer_typed(" 9 ").correct is True
    assert study.suggested_rating == 3


def test_a_choice_is_judged_by_the_number_pressed(collection):
    study = sitting(collection)
    study.show_id("gap")
    right = study.choices.index("nn.AdaptiveAvgPool2d(1)") + 1
    assert study.choose(len(study.choices) + 1) is None  # no such option
    wrong = 1 if right != 1 else 2
    answer = study.choose(wrong)
    assert answer is not None and not answer.correct
    answer = study.choose(right)
    assert answer is not None and answer.correct and answer.given == "nn.AdaptiveAvgPool2d(1)"


def test_a_judge_can_be_replaced_without_the_screen(collection):
    """Type-in answers will be judged by running them (issue 12): a judge is passed in per kind."""
    calls = []

    def run_it(data, given):
        calls.append(given)
        return given == "anything goes"

    study = sitting(collection, judges={"type": run_it})
    study.show_id("isin")
    assert study.answer_typed("anything goes").correct
    assert calls == ["anything goes"]


def test_undo_shows_the_card_again_unanswered(collection):
    study = sitting(collection)
    first = study.next_card()
    assert first is not None
    study.grade(1)
    study.next_card()
    assert study.can_undo
    card = study.undo()
    assert card is not None and card.id == first.id and study.card == card and study.answer is None
    assert collection.db["reviews"].count == 1  # the log keeps it, marked undone
    assert study.undo() is None


def test_nothing_left_says_when_the_next_card_is_due(collection):
    study = sitting(collection, StudyFilter(card_ids=("conv-out",)))
    assert study.next_card() is not None
    study.grade(4)  # Easy: days away, past the 20 minutes learning cards are shown ahead
    assert study.next_card() is None
    next_due_in = study.next_due_in()
    assert next_due_in is not None and next_due_in > timedelta(days=1)
    with pytest.raises(LookupError):
        study.grade(3)


SITTING_PROBE = """
import sys
from pathlib import Path
from quizapp.application.collection import Collection
from quizapp.application.study import Study
with Collection.open(Path(sys.argv[1]), [Path(sys.argv[2])], builtin=False) as collection:
    study = Study(collection)
    study.next_card()
    study.grade(3)
    study.next_card()
    study.counts()
    study.preview()
    study.undo()
    study.bury()
    study.suspend()
print("sqlite_utils" in sys.modules)
"""


def test_a_whole_sitting_writes_without_sqlite_utils(tmp_path, decks):
    """The study screen no longer preloads sqlite-utils (~50 ms) after the first card: nothing needs it."""
    Collection.open(tmp_path / "probe-home", [decks], builtin=False).close()  # creating it needs it
    result = subprocess.run(
        [sys.executable, "-c", SITTING_PROBE, str(tmp_path / "probe-home"), str(decks)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
