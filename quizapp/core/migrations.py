"""Schema of the quizapp database, as ordered migration steps. Never edit a step once released."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quizapp.core.db import _import_sqlite_utils

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATIONS = _import_sqlite_utils().Migrations("quizapp")


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    db.table("decks").create(
        {"id": str, "title": str, "description": str, "file": str, "present": int},
        pk="id",
        not_null={"present"},
        defaults={"present": 1},
    )
    # One row per thing that is scheduled: a basic card, each side of a reverse card, each cloze.
    # Content columns are rewritten by every sync; scheduling columns only by reviews.
    db.table("cards").create(
        {
            "id": str,  # "<card id>", "<card id>#rev", "<card id>#c2"
            "note_id": str,  # the `id` written in the deck file
            "deck": str,
            "kind": str,
            "data": str,  # JSON: what the study screen shows
            "tags": str,  # " tag1 tag2 " so that LIKE '% tag %' matches whole tags
            "file": str,
            "position": int,
            "present": int,  # 0 once the card left the files; its history stays
            "content_hash": str,  # no longer written nor read (issue 11); left so no step is needed
            "state": int,  # 0 new, then fsrs.State: 1 learning, 2 review, 3 relearning
            "step": int,
            "stability": float,
            "difficulty": float,
            "due": float,  # epoch seconds, UTC
            "last_review": float,
            "reps": int,
            "lapses": int,
            "suspended": int,
            "buried_until": float,
        },
        pk="id",
        not_null={"present", "state", "reps", "lapses", "suspended", "position"},
        defaults={"present": 1, "state": 0, "reps": 0, "lapses": 0, "suspended": 0, "position": 0},
    )
    db.table("cards").create_index(["state", "due"], index_name="cards_by_state_due")
    db.table("cards").create_index(["deck", "state"], index_name="cards_by_deck_state")
    db.table("cards").create_index(["file"], index_name="cards_by_file")
    # Append-only: a row is never deleted; undo marks it with undone_at.
    db.table("reviews").create(
        {
            "id": int,
            "card_id": str,
            "rating": int,
            "reviewed_at": float,
            "duration_ms": int,
            "state_before": int,
            "before": str,  # JSON of the card's scheduling columns before this review
            "state": int,
            "stability": float,
            "difficulty": float,
            "due": float,
            "undone_at": float,
        },
        pk="id",
        not_null={"card_id", "rating", "reviewed_at", "state_before", "before"},
    )
    db.table("reviews").create_index(["card_id", "reviewed_at"], index_name="reviews_by_card")
    db.table("reviews").create_index(["reviewed_at"], index_name="reviews_by_time")
    db.table("content_files").create(
        {"path": str, "mtime_ns": int, "size": int, "ok": int, "problems": str, "deck": str},
        pk="path",
    )


@MIGRATIONS()
def m002_study_queue_indexes(db: Database) -> None:
    # Covering index: the progress counts and the due queue read only the index, never the rows.
    db.table("cards").create_index(
        ["state", "due", "present", "suspended", "buried_until", "deck"], index_name="cards_queue"
    )
    db.table("cards").create_index(["state", "deck", "position"], index_name="cards_new_order")
    db.execute("drop index if exists cards_by_state_due")


@MIGRATIONS()
def m003_exercises(db: Database) -> None:
    # Every check the learner ran, with the code as it was: nothing they wrote is ever lost.
    db.table("exercise_attempts").create(
        {
            "id": int,
            "exercise_id": str,
            "at": float,  # epoch seconds, UTC
            "code": str,
            "passed": int,
            "cases_passed": int,
            "cases_total": int,
            "verdict": str,  # JSON, as `quizapp exercise --check --json` prints it
            "duration_s": float,
            "device": str,
            "via": str,  # tui, check, watch
            "rating": int,  # the FSRS rating this attempt gave, if the exercise was due
        },
        pk="id",
        not_null={"exercise_id", "at", "code", "passed"},
    )
    db.table("exercise_attempts").create_index(["exercise_id", "at"], index_name="attempts_by_exercise")
    # Exercises are scheduled like cards: passing one sends it away, to be redone from scratch later.
    db.table("exercise_schedule").create(
        {
            "exercise_id": str,
            "state": int,
            "step": int,
            "stability": float,
            "difficulty": float,
            "due": float,
            "last_review": float,
            "reps": int,
            "lapses": int,
        },
        pk="exercise_id",
        not_null={"state", "reps", "lapses"},
        defaults={"state": 0, "reps": 0, "lapses": 0},
    )


@MIGRATIONS()
def m004_review_stats(db: Database) -> None:
    # The stats group the log by study day and deck in one index-ordered scan (≈ 0.3 s per million
    # reviews, against ≈ 3.5 s for a join to cards plus a sort), so each review records both.
    # Old rows get the local day with the default 4 am rollover.
    db.table("reviews").add_column("deck", str)
    db.table("reviews").add_column("day", int)
    db.execute("update reviews set deck = (select deck from cards where cards.id = reviews.card_id)")
    db.execute(
        "update reviews set day = cast(julianday(date(reviewed_at, 'unixepoch', 'localtime', '-4 hours'))"
        " - julianday('1970-01-01') as integer)"
    )
    db.execute(
        "create index reviews_by_day on reviews(day, deck, state_before, rating, duration_ms)"
        " where undone_at is null"
    )


@MIGRATIONS()
def m005_fsrs_parameters(db: Database) -> None:
    # FSRS parameters fitted to the learner's own log by `quizapp optimize`, one row per fit kept
    # (append-only, like the review log): the newest row of a scope is the one in use.
    db.table("fsrs_parameters").create(
        {
            "id": int,
            "scope": str,  # "cards" or "exercises": each is fitted to its own log
            "parameters": str,  # JSON list of the 21 FSRS-6 parameters
            "fitted_at": float,  # epoch seconds, UTC
            "reviews": int,  # training items: reviews at least one study day after the previous one
            "log_loss_before": float,  # the FSRS defaults, on a time-series split of that log
            "rmse_bins_before": float,
            "log_loss_after": float,  # these parameters' fits on the same split
            "rmse_bins_after": float,
        },
        pk="id",
        not_null={"scope", "parameters", "fitted_at", "reviews"},
    )
    db.table("fsrs_parameters").create_index(["scope", "fitted_at"], index_name="fsrs_parameters_by_scope")


@MIGRATIONS()
def m006_cards_by_note(db: Database) -> None:
    # Answering a card buries its siblings (the cards of the same note): found by note, not by a
    # scan of every card on each answer.
    db.table("cards").create_index(["note_id"], index_name="cards_by_note")


@MIGRATIONS()
def m007_card_search_text(db: Database) -> None:
    # The browser's free words are looked for in a card's own text, kept beside its JSON: a LIKE on
    # the JSON also matched field names ("answer") and cost a JSON walk per row to tell them apart.
    from quizapp.core.search_text import search_text_of_json

    db.execute("alter table cards add column search_text text not null default ''")
    db.conn.create_function("quizapp_search_text", 1, search_text_of_json, deterministic=True)
    db.execute("update cards set search_text = quizapp_search_text(data)")


@MIGRATIONS()
def m008_cards_browse_index(db: Database) -> None:
    # The browser's free words read every card's text in deck order: from this narrow index instead
    # of the table's rows (their JSON and schedule), with no sort. 120k cards: "answer" (60k matches)
    # 112 → 51 ms. No answer writes these columns, so grading never updates it.
    db.table("cards").create_index(
        ["present", "deck", "position", "id", "search_text"], index_name="cards_browse"
    )


@MIGRATIONS()
def m009_suspended_and_lapsed_indexes(db: Database) -> None:
    # `is:suspended` (in deck order), `is:leech` and the hardest cards (by lapses) read only the
    # cards they can match instead of every row: 120k cards with none, is:leech 42 → 8 ms. Partial
    # indexes: an answer on a card never suspended and never lapsed (most answers) writes nothing
    # into them.
    db.execute("create index cards_suspended on cards (deck, position, id) where suspended = 1")
    db.execute("create index cards_lapsed on cards (lapses, deck, position, id) where lapses > 0")
