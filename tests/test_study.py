"""Scheduling as FSRS says, undo that restores exactly, suspend, bury, limits, day rollover."""

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from conftest import T0
from fsrs import Card, Rating, Scheduler, State

from quizapp.config import Settings
from quizapp.core.study import StudyFilter, StudySession


def session(collection, settings=None, **kwargs) -> StudySession:
    return StudySession(collection.db, settings or Settings(fuzz=False), **kwargs)


def row(collection, card_id):
    return collection.db["cards"].get(card_id)


def test_new_cards_come_in_file_order(collection):
    assert session(collection).next_card(T0).id == "conv-out"


def test_a_grade_moves_the_due_date_as_fsrs_says(collection):
    study = session(collection)
    reference = Scheduler(enable_fuzzing=False)
    expected, _ = reference.review_card(Card(card_id=0, due=T0), Rating.Good, review_datetime=T0)
    study.rate("conv-out", 3, T0, duration_ms=4200)
    stored = row(collection, "conv-out")
    assert stored["state"] == State.Learning and stored["step"] == expected.step
    assert stored["due"] == expected.due.timestamp() == (T0 + timedelta(minutes=10)).timestamp()
    # Good again ten minutes later graduates it to a multi-day interval, still as FSRS computes it.
    later = T0 + timedelta(minutes=10)
    expected, _ = reference.review_card(expected, Rating.Good, review_datetime=later)
    study.rate("conv-out", 3, later)
    stored = row(collection, "conv-out")
    assert stored["state"] == State.Review
    assert stored["due"] == expected.due.timestamp()
    assert stored["stability"] == expected.stability
    reviews = list(collection.db.query("select rating, state_before, duration_ms from reviews order by id"))
    assert reviews == [
        {"rating": 3, "state_before": 0, "duration_ms": 4200},
        {"rating": 3, "state_before": 1, "duration_ms": None},
    ]


def test_preview_shows_each_grades_interval(collection):
    preview = session(collection).preview("conv-out", T0)
    assert preview[1] == timedelta(minutes=1)
    assert preview[3] == timedelta(minutes=10)
    assert preview[4] >= timedelta(days=1)


def test_undo_restores_the_card_exactly_and_marks_the_review(collection):
    study = session(collection)
    study.rate("conv-out", 3, T0)
    study.rate("conv-out", 3, T0 + timedelta(minutes=10))
    graduated = row(collection, "conv-out")
    study.rate("conv-out", 1, T0 + timedelta(days=3))
    assert study.undo(T0 + timedelta(days=3)) == "conv-out"
    assert row(collection, "conv-out") == graduated
    undone = list(collection.db.query("select rating, undone_at from reviews where undone_at is not null"))
    assert undone == [{"rating": 1, "undone_at": (T0 + timedelta(days=3)).timestamp()}]
    assert collection.db["reviews"].count == 3  # the log is never shortened
    assert study.tally.done == 2


def test_undoing_a_new_cards_first_answer_gives_back_the_new_allowance(collection):
    study = session(collection, Settings(fuzz=False, new_cards_per_day=1))
    study.rate("conv-out", 3, T0)
    assert study.new_allowance(T0) == 0
    study.undo(T0)
    assert row(collection, "conv-out")["state"] == 0
    assert study.new_allowance(T0) == 1


def test_suspend_and_bury_remove_a_card_and_undo_brings_it_back(collection):
    study = session(collection)
    study.suspend("conv-out")
    assert study.next_card(T0).id == "backbone"
    study.undo(T0)
    assert study.next_card(T0).id == "conv-out"
    study.bury("conv-out", T0)
    assert study.next_card(T0).id == "backbone"
    assert study.next_card(T0 + timedelta(days=1)).id == "conv-out"  # back the next study day


def test_daily_new_limit_and_session_override(collection):
    limited = session(collection, Settings(fuzz=False, new_cards_per_day=2))
    limited.rate("conv-out", 4, T0)
    limited.rate("backbone", 4, T0)
    assert limited.next_card(T0) is None
    assert limited.counts(T0).new == 0
    # Another session the same day shares the daily allowance...
    assert session(collection, Settings(fuzz=False, new_cards_per_day=2)).next_card(T0) is None
    # ...unless the learner asks for more with --new.
    extra = session(collection, Settings(fuzz=False, new_cards_per_day=2), new_limit=3)
    assert extra.next_card(T0).id == "wd#c1"  # backbone#rev, its sibling, waits for tomorrow
    assert extra.counts(T0).new == 3
    # A new study day (rollover at 04:00 local) brings a new allowance.
    assert (
        session(collection, Settings(fuzz=False, new_cards_per_day=2)).next_card(T0 + timedelta(days=1))
        is not None
    )


def test_learning_cards_come_back_after_their_step_and_before_new_cards(collection):
    study = session(collection)
    study.rate("conv-out", 1, T0)  # Again: due in one minute
    assert study.next_card(T0).id == "backbone"
    assert study.next_card(T0 + timedelta(minutes=2)).id == "conv-out"


def test_counts_and_filters(collection):
    study = session(collection, study_filter=StudyFilter(tag="demo"))
    assert study.counts(T0).new == 9
    assert session(collection, study_filter=StudyFilter(tag="nope")).next_card(T0) is None
    assert session(collection, study_filter=StudyFilter(deck="demo")).next_card(T0).id == "conv-out"
    only = session(collection, study_filter=StudyFilter(card_ids=("gap",)))
    assert only.next_card(T0).id == "gap" and only.counts(T0).total == 1


def test_lapses_count_forgotten_review_cards(collection):
    study = session(collection)
    study.rate("conv-out", 4, T0)
    due = row(collection, "conv-out")["due"]
    assert row(collection, "conv-out")["state"] == State.Review
    from quizapp.core.clock import from_epoch

    study.rate("conv-out", 1, from_epoch(due))
    stored = row(collection, "conv-out")
    assert stored["lapses"] == 1 and stored["state"] == State.Relearning
    before = json.loads(
        collection.db.execute("select before from reviews order by id desc limit 1").fetchone()[0]
    )
    assert before["state"] == State.Review


def test_siblings_wait_for_the_next_study_day_and_come_back_with_undo(collection):
    study = session(collection, Settings(fuzz=False))
    study.rate("backbone", 3, T0)
    shown_today = set()
    while (card := study.next_card(T0)) is not None and card.state == 0:
        shown_today.add(card.id)
        study.rate(card.id, 3, T0)
    assert "backbone#rev" not in shown_today  # it would give the answer away
    assert not {"wd#c1", "wd#c2"} <= shown_today  # one cloze of a note a day
    tomorrow = session(collection, Settings(fuzz=False))
    assert "backbone#rev" in {
        row["id"]
        for row in collection.db.query(
            "select id from cards where state = 0 and (buried_until is null or buried_until <= ?)",
            [(T0 + timedelta(days=1)).timestamp()],
        )
    }
    fresh = session(collection, Settings(fuzz=False))
    fresh.rate("conv-out", 3, T0)
    assert fresh.next_card(T0) is not None
    undo = session(collection, Settings(fuzz=False))
    undo.rate("isin", 3, T0)
    undo.undo(T0)
    assert collection.db["cards"].get("isin")["buried_until"] is None
    assert tomorrow.next_card(T0 + timedelta(days=1)) is not None


def test_a_leech_is_suspended_at_the_threshold(collection):
    study = session(collection, Settings(fuzz=False, leech_lapses=3))
    now = T0
    study.rate("conv-out", 3, now)
    lapses_seen = []
    for _ in range(10):
        card = collection.db["cards"].get("conv-out")
        if card["suspended"]:
            break
        now = datetime.fromtimestamp(card["due"], UTC) + timedelta(hours=1)
        if card["state"] == 2:
            became_leech = study.rate("conv-out", 1, now)
            lapses_seen.append((collection.db["cards"].get("conv-out")["lapses"], became_leech))
        else:
            study.rate("conv-out", 3, now)
    assert lapses_seen[-1] == (3, True) and all(not leech for _lapses, leech in lapses_seen[:-1])
    assert collection.db["cards"].get("conv-out")["suspended"] == 1
    study.undo(now)
    assert collection.db["cards"].get("conv-out")["suspended"] == 0


def test_the_daily_review_limit_holds_and_says_why(collection):
    study = session(collection, Settings(fuzz=False, new_cards_per_day=100))
    while (card := study.next_card(T0)) is not None:
        study.rate(card.id, 4, T0)  # Easy: every card straight to review
    later = T0 + timedelta(days=60)
    limited = session(collection, Settings(fuzz=False, reviews_per_day=2, new_cards_per_day=0))
    due = limited.counts(later).review
    assert due == 2
    limited.rate(limited.next_card(later).id, 3, later)
    limited.rate(limited.next_card(later).id, 3, later)
    assert limited.next_card(later) is None and limited.counts(later).review == 0
    assert any("limit of 2 reviews" in reason for reason in limited.held_back(later))
    from quizapp.core.study import deck_overview

    assert all(row["due"] == 0 for row in deck_overview(collection.db, Settings(reviews_per_day=2), later))


def _sibling_decks(folder) -> None:
    """Two decks of notes with siblings: reverses and three-blank clozes, two tags."""
    for deck in ("alpha", "beta"):
        lines = ["quizapp: 1", f"deck: {{id: {deck}, title: {deck}}}", "cards:"]
        for n in range(12):
            lines += [f"  - id: {deck}-{n}", f"    tags: [{'odd' if n % 2 else 'even'}]"]
            if n % 3 == 0:
                lines += ["    kind: reverse", f"    front: front {deck} {n}", f"    back: back {deck} {n}"]
            elif n % 3 == 1:
                lines += [
                    "    kind: cloze",
                    f"    text: 'a {{{{c1::one}}}} b {{{{c2::two}}}} c {{{{c3::three}}}} {deck} {n}'",
                ]
            else:
                lines += ["    kind: basic", f"    front: q {deck} {n}", f"    back: a {deck} {n}"]
        (folder / f"{deck}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    "study_filter",
    [
        StudyFilter(),
        StudyFilter(deck="beta"),
        StudyFilter(tag="odd"),
        StudyFilter(card_ids=("alpha-0", "alpha-0#rev", "alpha-1#c1", "alpha-1#c3", "beta-2", "beta-3")),
    ],
    ids=["all", "deck", "tag", "cards"],
)
def test_the_counts_kept_by_the_session_match_a_fresh_count_after_every_step(tmp_path, study_filter):
    """The session keeps its progress counts from what each answer changed (siblings buried,
    leeches suspended, learning steps, day rollovers, undo, suspend, bury): at every step they
    equal what a new session counts in the database."""
    from quizapp.application.collection import Collection

    folder = tmp_path / "sibling-decks"
    folder.mkdir()
    _sibling_decks(folder)
    collection = Collection.open(tmp_path / "home", [folder], builtin=False)
    settings = Settings(fuzz=False, new_cards_per_day=15, reviews_per_day=9, leech_lapses=2)
    study = StudySession(collection.db, settings, study_filter)
    rng = random.Random(4)
    now = T0
    for step in range(400):
        now += timedelta(minutes=rng.choice((0, 1, 5, 11, 90, 60 * 20)))
        card = study.next_card(now)
        action = rng.random()
        if card is not None and action < 0.85:
            study.rate(card.id, rng.choice((1, 1, 2, 3, 3, 4)), now)
        elif card is not None and action < 0.9:
            study.bury(card.id, now) if action < 0.875 else study.suspend(card.id)
        elif study.can_undo:
            study.undo(now)
        fresh = StudySession(collection.db, settings, study_filter)
        assert study.counts(now) == fresh.counts(now), f"step {step}"
    assert collection.db.execute("select count(*) from reviews").fetchone()[0] > 150
    collection.close()


def test_the_new_cards_hint_keeps_the_deck_and_tag_studied(collection):
    from quizapp.core.study import StudyFilter

    deck_only = session(
        collection, Settings(fuzz=False, new_cards_per_day=0), study_filter=StudyFilter(deck="demo")
    )
    [reason] = deck_only.held_back(T0)
    assert "`quizapp study --deck demo --new 10`" in reason
    odd = StudyFilter(deck="demo", tag="it's")
    assert odd.options() == " --deck demo --tag 'it'\"'\"'s'"
    everything = session(collection, Settings(fuzz=False, new_cards_per_day=0))
    assert "`quizapp study --new 10`" in everything.held_back(T0)[0]
