"""`quizapp import`: Anki's own packages (made by Anki 26.9.3, `fixtures/anki/make_fixtures.py`)
come in with their cards, their history and their state, whichever generation wrote them."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from quizapp.application.anki import AnkiPackageError, import_package
from quizapp.application.collection import Collection
from quizapp.core.clock import day_bounds
from quizapp.core.study import StudySession
from tests.conftest import FIXTURES, T0
from tests.quizapp_cli import run

ANKI = FIXTURES / "anki"
EXPECTED = json.loads((ANKI / "expected.json").read_text())
PACKAGES = ["modern.apkg", "legacy.apkg", "modern.colpkg"]
NOW = T0 + timedelta(days=400)


def note_id(key: str) -> str:
    return f"anki-{EXPECTED['notes'][key]['id']}"


STUDY_IDS = {
    "relu": note_id("relu"),
    "code": note_id("code"),
    "bn": note_id("bn"),
    "bn-rev": note_id("bn") + "#rev",
    "pool": note_id("pool"),
    "adam-c1": note_id("adam") + "#c1",
    "adam-c3": note_id("adam") + "#c3",
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def open_home(home: Path) -> Collection:
    return Collection.open(home, builtin=False)


def import_into(home: Path, package: Path, **options: object):
    with open_home(home) as collection:
        return import_package(collection, package, NOW, **options)


def deck_cards(home: Path) -> dict[str, dict]:
    cards = {}
    for file in (home / "decks").glob("*.yaml"):
        for card in yaml.safe_load(file.read_text())["cards"]:
            cards[card["id"]] = card
    return cards


def answers_in_anki(key: str) -> list[dict]:
    return [r for r in EXPECTED["cards"][key]["revlog"] if 1 <= r["ease"] <= 4 and r["type"] not in (4, 5)]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_generation_brings_the_same_cards_of_the_mapped_note_types(home: Path, package: str) -> None:
    report = import_into(home, ANKI / package)
    cards = deck_cards(home)
    kinds = {key: cards[note_id(key)]["kind"] for key in EXPECTED["notes"] if note_id(key) in cards}
    assert kinds == {
        "relu": "basic",
        "code": "basic",
        "bn": "reverse",
        "dropout": "reverse",  # optional reversed, "Add Reverse" filled
        "softmax": "basic",  # optional reversed, "Add Reverse" empty
        "pool": "type",
        "adam": "cloze",
        "regularisers": "cloze",
        "clone": "basic",  # Basic under another name: told by its templates
    }
    assert note_id("custom") not in cards
    assert set(report.skipped_notes) == {
        "Vocabulary (custom): a note type of its own design (quizapp maps Anki's Basic, reversed, "
        "type-in and Cloze types)",
        "Image Occlusion: Image Occlusion cannot be studied in a terminal",
    }
    with open_home(home) as collection:
        assert not collection.last_sync.problems
        stored = {row["id"] for row in collection.db.query("select id from cards where present = 1")}
        titles = {row["title"] for row in collection.db.query("select title from decks")}
    assert set(STUDY_IDS.values()) <= stored
    assert note_id("adam") + "#c2" not in stored  # cloze numbers have a gap: c1 and c3 only
    assert note_id("regularisers") + "#c2" in stored
    assert titles == {"Deep Learning", "Deep Learning::深度学习"}  # schema 18 joins levels with \x1f


@pytest.mark.parametrize("package", PACKAGES)
def test_every_answer_in_ankis_log_becomes_a_review_with_its_time_and_duration(
    home: Path, package: str
) -> None:
    import_into(home, ANKI / package)
    with open_home(home) as collection:
        for key, card_id in STUDY_IDS.items():
            logged = [
                (round(row["reviewed_at"] * 1000), row["rating"], row["duration_ms"])
                for row in collection.db.query(
                    "select reviewed_at, rating, duration_ms from reviews where card_id = ? order by reviewed_at",
                    [card_id],
                )
            ]
            assert logged == [(r["id"], r["ease"], r["time"]) for r in answers_in_anki(key)], key


def test_the_rebuilt_schedule_lands_on_ankis_own_memory_state(home: Path) -> None:
    report = import_into(home, ANKI / "modern.apkg")
    with open_home(home) as collection:
        for key, card_id in STUDY_IDS.items():
            row = next(collection.db.query("select * from cards where id = ?", [card_id]))
            anki = EXPECTED["cards"][key]
            assert row["stability"] == pytest.approx(anki["stability"], rel=0.01), key
            assert row["difficulty"] == pytest.approx(anki["difficulty"], abs=0.01), key
            assert row["reps"] == len(answers_in_anki(key))
            assert row["due"] > row["last_review"] == answers_in_anki(key)[-1]["id"] / 1000
    assert report.divergence.cards == len(STUDY_IDS)
    assert report.divergence.stability_relative is not None and report.divergence.stability_relative < 0.01


def test_a_forget_in_anki_starts_the_history_again(home: Path) -> None:
    import_into(home, ANKI / "modern.apkg")
    with open_home(home) as collection:
        first_after_forget = next(
            collection.db.query(
                "select state_before from reviews where card_id = ? order by reviewed_at limit 1 offset 4",
                [STUDY_IDS["code"]],
            )
        )
    assert first_after_forget["state_before"] == 0  # new again, as Anki's FSRS sees it


def test_suspended_and_buried_cards_stay_so(home: Path) -> None:
    report = import_into(home, ANKI / "modern.apkg")
    with open_home(home) as collection:
        rows = {
            row["id"]: row
            for row in collection.db.query(
                "select id, suspended, buried_until from cards where id like 'anki-%'"
            )
        }
        _start, day_end = day_bounds(NOW, collection.settings.day_starts_at_hour)
    assert rows[STUDY_IDS["pool"]]["suspended"] == 1
    assert rows[STUDY_IDS["bn-rev"]]["buried_until"] == day_end
    assert rows[STUDY_IDS["relu"]]["suspended"] == 0 and rows[STUDY_IDS["relu"]]["buried_until"] is None
    assert (report.suspended, report.buried) == (1, 1)


def test_fields_become_deck_text_with_formulas_code_and_media_placeholders(home: Path) -> None:
    import_into(home, ANKI / "modern.apkg")
    cards = deck_cards(home)
    relu = cards[note_id("relu")]
    assert relu["front"] == "What does **ReLU** compute?"
    assert relu["back"] == (
        "$\\max(0, x)$\nCheap & sparse; a GPU hour costs \\$2.\n[image: anki-media/relu plot.png]"
    )
    assert relu["tags"] == ["activations", "dl::basics"]
    code = cards[note_id("code")]
    assert code["front"] == "Zero the gradients, then backpropagate (`loss` is a tensor)"
    assert code["back"] == "```\nopt.zero_grad()\nloss.backward()\n```\nThen *step*."
    assert cards[note_id("softmax")]["back"] == "$$\\sigma(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}$$"
    adam = cards[note_id("adam")]
    assert adam["text"].endswith("{{c1::it}} is AdamW's parent: $\\beta_1 = 0.9$")
    assert "{{c3::two moment estimates::how many?}}" in adam["text"]
    assert adam["extra"] == "See *Kingma & Ba, 2014*."
    assert cards[note_id("regularisers")]["text"] == "Regularisers:\n- {{c2::dropout}}\n- weight decay"
    assert cards[note_id("pool")]["answer"] == "nn.MaxPool2d"
    assert cards[note_id("bn")]["back"] == "Batch normalisation"  # <u> is styling
    media = home / "decks" / "anki-media" / "relu plot.png"
    assert media.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in media.parent.iterdir()) == ["relu plot.png"]  # only what cards use


def test_the_stub_collection_alone_is_refused_not_imported_as_one_note(home: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(ANKI / "modern.apkg") as package:
        stub = package.read("collection.anki2")
        meta = package.read("meta")
    only_stub = tmp_path / "only-stub.apkg"
    with zipfile.ZipFile(only_stub, "w") as package:
        package.writestr("collection.anki2", stub)
    with pytest.raises(AnkiPackageError, match="placeholder"):
        import_into(home, only_stub)
    stub_with_meta = tmp_path / "stub-with-meta.apkg"
    with zipfile.ZipFile(stub_with_meta, "w") as package:
        package.writestr("meta", meta)
        package.writestr("collection.anki2", stub)
    with pytest.raises(AnkiPackageError, match=r"no collection\.anki21b"):
        import_into(home, stub_with_meta)
    assert not (home / "decks").exists() or not list((home / "decks").glob("*.yaml"))


def test_importing_again_updates_and_keeps_what_was_studied_in_quizapp(home: Path, tmp_path: Path) -> None:
    import_into(home, ANKI / "legacy.apkg")
    with open_home(home) as collection:
        before = collection.db.execute("select count(*) from reviews").fetchone()[0]
        session = StudySession(collection.db, collection.settings)
        session.rate(STUDY_IDS["relu"], 3, NOW, duration_ms=4000)
        studied = next(collection.db.query("select * from cards where id = ?", [STUDY_IDS["relu"]]))

    edited = tmp_path / "edited.apkg"
    with zipfile.ZipFile(ANKI / "legacy.apkg") as source, zipfile.ZipFile(edited, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "collection.anki21":
                work = tmp_path / "col.anki21"
                work.write_bytes(data)
                with sqlite3.connect(work) as conn:
                    conn.execute(
                        "update notes set flds = replace(flds, 'Batch <u>normalisation</u>', 'Batch normalization') "
                        "where id = ?",
                        [EXPECTED["notes"]["bn"]["id"]],
                    )
                conn.close()
                data = work.read_bytes()
            target.writestr(item, data)
    report = import_into(home, edited)

    cards = deck_cards(home)
    assert cards[note_id("bn")]["back"] == "Batch normalization"
    assert len(cards) == 9
    with open_home(home) as collection:
        assert collection.db.execute("select count(*) from reviews").fetchone()[0] == before + 1
        assert collection.db.execute("select count(*) from cards").fetchone()[0] == 12
        kept = next(collection.db.query("select * from cards where id = ?", [STUDY_IDS["relu"]]))
    assert report.reviews_added == 0 and report.reviews_known == before
    assert report.new_cards == 0
    assert {k: kept[k] for k in ("state", "stability", "due", "reps")} == {
        k: studied[k] for k in ("state", "stability", "due", "reps")
    }


def test_a_card_added_by_hand_to_an_imported_deck_survives_importing_again(home: Path) -> None:
    import_into(home, ANKI / "modern.apkg")
    file = home / "decks" / "anki-deep-learning.yaml"
    file.write_text(
        file.read_text() + "- id: my-own-card\n  kind: basic\n  front: Mine\n  back: Kept\n", encoding="utf-8"
    )
    import_into(home, ANKI / "modern.apkg")
    assert deck_cards(home)["my-own-card"]["back"] == "Kept"


def test_a_dry_run_writes_nothing(home: Path) -> None:
    report = import_into(home, ANKI / "modern.apkg", dry_run=True)
    assert report.reviews_added == 33 and report.cards == 12
    assert list((home / "decks").glob("*.yaml")) == []
    with open_home(home) as collection:
        assert collection.db.execute("select count(*) from reviews").fetchone()[0] == 0
        assert collection.db.execute("select count(*) from cards").fetchone()[0] == 0


def test_imported_cards_are_studied_on_from_where_anki_left_them(home: Path) -> None:
    import_into(home, ANKI / "modern.apkg")
    with open_home(home) as collection:
        session = StudySession(collection.db, collection.settings)
        due = session.next_card(NOW)
        assert due is not None and due.reps > 0  # a review from Anki's history, not a new card
        assert due.id not in (STUDY_IDS["pool"], STUDY_IDS["bn-rev"])  # suspended, buried today


def test_deck_prefix_names_the_decks_and_their_files(home: Path) -> None:
    import_into(home, ANKI / "legacy.apkg", deck_prefix="Phone")
    names = sorted(p.name for p in (home / "decks").iterdir())
    assert len(names) == 3
    assert re.fullmatch(r"phone-deep-learning-\d+\.yaml", names[0])  # 深度学习 is no ASCII: Anki's deck id
    assert names[1:] == ["phone-deep-learning.yaml", "phone-media"]
    with open_home(home) as collection:
        titles = {row["title"] for row in collection.db.query("select title from decks")}
    assert titles == {"Phone::Deep Learning", "Phone::Deep Learning::深度学习"}


def test_the_import_command_prints_what_it_did_and_how_far_from_anki(home: Path) -> None:
    result = run(home, "import", str(ANKI / "modern.apkg"))
    assert result.returncode == 0, result.stderr
    assert "imported 9 notes as 12 cards" in result.stdout
    assert "33 answers added to the review log" in result.stdout
    assert "median |Δstability| 0.0%" in result.stdout
    assert "skipped 1 note(s) — Image Occlusion" in result.stdout
    assert "reading modern.apkg" in result.stderr  # progress goes to stderr


def test_the_import_command_copies_the_package_name_safely(home: Path, tmp_path: Path) -> None:
    odd = tmp_path / "deck\x1b[2J.apkg"
    shutil.copy(ANKI / "modern.apkg", odd)
    result = run(home, "import", str(odd))
    assert result.returncode == 0
    assert "\x1b" not in result.stdout + result.stderr


def test_the_oldest_packages_with_only_collection_anki2_and_no_meta_import_too(
    home: Path, tmp_path: Path
) -> None:
    oldest = tmp_path / "oldest.apkg"
    with zipfile.ZipFile(ANKI / "legacy.apkg") as source, zipfile.ZipFile(oldest, "w") as target:
        target.writestr("collection.anki2", source.read("collection.anki21"))  # Anki 2.0's layout
        target.writestr("media", source.read("media"))
        for name, _file in json.loads(source.read("media")).items():
            target.writestr(name, source.read(name))
    report = import_into(home, oldest)
    assert (report.schema, report.cards, report.reviews_added) == (11, 12, 33)
