"""Cards are matched by id: edits, removals and broken files never lose review history."""

import json
from pathlib import Path

from conftest import T0

from quizapp.core.study import StudySession
from quizapp.core.sync import sync_content


def card(db, card_id: str) -> dict:
    return db["cards"].get(card_id)


def review_once(collection, card_id: str) -> None:
    StudySession(collection.db, collection.settings).rate(card_id, 3, T0)


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_first_sync_adds_every_card_as_new(collection):
    rows = list(collection.db.query("select id, state, present from cards order by position"))
    assert len(rows) == 9
    assert {(r["state"], r["present"]) for r in rows} == {(0, 1)}


def test_unchanged_files_are_not_read_again(collection, decks):
    report = sync_content(collection.db, [decks])
    assert report.files == 1 and report.parsed == 0


def test_editing_a_card_keeps_its_history(collection, decks):
    review_once(collection, "conv-out")
    before = card(collection.db, "conv-out")
    rewrite(decks / "demo.yaml", "Output size of a conv", "Spatial output size of a convolution")
    report = sync_content(collection.db, [decks])
    after = card(collection.db, "conv-out")
    assert report.parsed == 1
    assert json.loads(after["data"])["front"].startswith("Spatial output size")
    for column in ("state", "stability", "difficulty", "due", "reps", "last_review"):
        assert after[column] == before[column]
    assert collection.db["reviews"].count == 1


def test_removed_card_keeps_history_and_returns_with_it(collection, decks):
    review_once(collection, "gap")
    scheduled = card(collection.db, "gap")
    deck_file = decks / "demo.yaml"
    original = deck_file.read_text(encoding="utf-8")
    start = original.index("  - id: gap")
    end = original.index("  - id: isin")
    deck_file.write_text(original[:start] + original[end:], encoding="utf-8")
    sync_content(collection.db, [decks])
    assert card(collection.db, "gap")["present"] == 0
    assert StudySession(collection.db, collection.settings).next_card(T0).id != "gap"

    deck_file.write_text(original, encoding="utf-8")
    sync_content(collection.db, [decks])
    back = card(collection.db, "gap")
    assert back["present"] == 1
    assert (back["due"], back["stability"], back["reps"]) == (scheduled["due"], scheduled["stability"], 1)


def test_a_broken_file_keeps_its_last_good_cards_and_others_still_load(collection, decks):
    (decks / "second.yaml").write_text(
        "quizapp: 1\ndeck: {id: second, title: Second}\ncards:\n  - {id: s1, kind: basic, front: a, back: b}\n"
    )
    sync_content(collection.db, [decks])
    rewrite(decks / "demo.yaml", "kind: choice", "kind: choise")
    report = sync_content(collection.db, [decks])
    assert report.skipped_files == [str(decks / "demo.yaml")]
    assert "unknown kind 'choise'" in report.problems[0].message
    assert card(collection.db, "gap")["present"] == 1  # the last good version stays studyable
    assert card(collection.db, "s1")["present"] == 1
    # The problem is remembered without re-reading the file.
    again = sync_content(collection.db, [decks])
    assert again.parsed == 0 and again.skipped_files == [str(decks / "demo.yaml")]


def test_deleting_a_deck_file_hides_its_deck_but_keeps_history(collection, decks):
    review_once(collection, "isin")
    (decks / "demo.yaml").unlink()
    sync_content(collection.db, [decks])
    assert collection.db.execute("select count(*) from cards where present = 1").fetchone()[0] == 0
    assert collection.db["decks"].get("demo")["present"] == 0
    assert card(collection.db, "isin")["reps"] == 1
