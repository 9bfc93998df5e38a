"""The browser's free words are looked for in `cards.search_text`, the card's own words: kept by the
sync and by an Anki import, and filled in for a collection an older quizapp wrote."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from test_cards_cli import BROWSE_DEMO_CARDS, DECK, ids

from quizapp.application.anki import import_package
from quizapp.application.collection import Collection
from quizapp.core.search_text import search_text
from tests.conftest import FIXTURES, T0


def test_the_words_are_the_values_without_names_constants_or_the_code_language():
    data = {
        "front": 'He said "answer" twice',
        "options": ["nn.AdaptiveAvgPool2d(1)", 3, 2.5],
        "lang": "python",
        "source": None,
        "explain": True,
        "extra": {"nested": ["deep"]},
    }
    assert search_text(data).splitlines() == [
        'He said "answer" twice',
        "nn.AdaptiveAvgPool2d(1)",
        "3",
        "2.5",
        "deep",
    ]


def test_a_collection_from_before_the_column_is_filled_when_opened(tmp_path: Path):
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "browse-demo.yaml").write_text(DECK, encoding="utf-8")
    home = tmp_path / "home"
    Collection.open(home, [decks], builtin=False).close()
    # The database as schema version 6 left it: no search_text, no record of step 7.
    conn = sqlite3.connect(home / "quizapp.db")
    conn.execute("drop index cards_browse")  # step 8's, on the column
    conn.execute("alter table cards drop column search_text")
    conn.execute(
        "delete from _sqlite_migrations where name in ('m007_card_search_text', 'm008_cards_browse_index')"
    )
    conn.execute("pragma user_version = 6")
    conn.commit()
    conn.close()
    with Collection.open(home, [decks], builtin=False) as opened:
        assert ids(opened, "") == BROWSE_DEMO_CARDS
        assert ids(opened, "ADAPTIVEavg") == ["bd-gap"]
        assert ids(opened, "answer") == []  # a field name, never the card's word


def test_a_note_imported_from_anki_is_found_by_its_words(tmp_path: Path):
    with Collection.open(tmp_path / "home", builtin=False) as collection:
        import_package(collection, FIXTURES / "anki" / "modern.apkg", T0 + timedelta(days=400))
        texts = [row[0] for row in collection.db.execute("select search_text from cards where present = 1")]
        assert texts and all(texts)
        word = max(texts[0].split(), key=len)
        assert ids(collection, word)


def test_free_words_read_the_narrow_index_and_other_terms_keep_their_own(tmp_path: Path):
    from quizapp.core import card_query

    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "browse-demo.yaml").write_text(DECK, encoding="utf-8")
    moment = card_query.Moment(now=T0.timestamp(), day_end=T0.timestamp() + 3600, leech_lapses=8)
    with Collection.open(tmp_path / "home", [decks], builtin=False) as collection:

        def plan(text: str) -> str:
            clause, params = card_query.where(card_query.parse(text), moment)
            sql = f"select rowid from cards where {clause} order by deck, position"
            return " ".join(row[-1] for row in collection.db.execute(f"explain query plan {sql}", params))

        # A word is looked for in cards_browse alone (no row read, no sort), as fast as one index walk.
        assert "COVERING INDEX cards_browse" in plan("adaptive") and "TEMP B-TREE" not in plan("adaptive")
        # A state is not walked through cards_browse in deck order with a row lookup per card.
        assert "cards_browse" not in plan("is:new") and "cards_browse" not in plan("is:suspended")
        # Suspended cards and leeches are few: found in their partial indexes, not by reading every row.
        assert "INDEX cards_suspended" in plan("is:suspended") and "TEMP B-TREE" not in plan("is:suspended")
        assert "INDEX cards_lapsed (lapses>?)" in plan("is:leech"), plan("is:leech")
        assert ids(collection, "ADAPTIVEavg") == ["bd-gap"]
