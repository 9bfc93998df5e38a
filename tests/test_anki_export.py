"""`quizapp export`: decks as a legacy .apkg that Anki imports, with the history when asked, and a
round trip quizapp → .apkg → quizapp that keeps every card and review. Checked with quizapp's own
reader and plain sqlite3 everywhere, and with Anki itself where the `anki` package is at hand."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from quizapp.application.anki import export_package, import_package
from quizapp.application.collection import Collection
from quizapp.core.anki.reader import read_package
from quizapp.core.study import StudySession
from tests.conftest import FIXTURES, T0
from tests.quizapp_cli import run

ANKI = FIXTURES / "anki"
EXPECTED = json.loads((ANKI / "expected.json").read_text())
NOW = T0 + timedelta(days=400)
ROOT = Path(__file__).resolve().parent.parent


def studied_demo(home: Path, decks: Path) -> Collection:
    """The demo decks (every kind) with a few days of answers."""
    collection = Collection.open(home, [decks], builtin=False)
    session = StudySession(collection.db, collection.settings)
    ids = [row["id"] for row in collection.db.query("select id from cards order by id")]
    for day in range(3):
        for index, card_id in enumerate(ids):
            session.rate(
                card_id, 1 + (index + day) % 4, T0 + timedelta(days=day * 3, minutes=index), 1500 + index
            )
    return collection


def log_of(collection: Collection) -> list[tuple[str, int, int, int | None]]:
    return [
        (row["card_id"], round(row["reviewed_at"] * 1000), row["rating"], row["duration_ms"])
        for row in collection.db.query(
            "select card_id, reviewed_at, rating, duration_ms from reviews where undone_at is null "
            "order by card_id, reviewed_at"
        )
    ]


def test_a_round_trip_keeps_every_card_and_review(tmp_path: Path, decks: Path) -> None:
    out = tmp_path / "out.apkg"
    with studied_demo(tmp_path / "home", decks) as collection:
        export_package(collection, out, T0 + timedelta(days=10), with_history=True)
        cards = {row["id"]: row for row in collection.db.query("select * from cards")}
        log = log_of(collection)
    with Collection.open(tmp_path / "again", builtin=False) as again:
        import_package(again, out, T0 + timedelta(days=10))
    with Collection.open(tmp_path / "again", builtin=False) as again:
        back = {row["id"]: row for row in again.db.query("select * from cards")}
        assert log_of(again) == log
    assert set(back) == set(cards)  # quizapp's own ids come back (the note guid carries them)
    for card_id, row in cards.items():
        expected_kind = row["kind"] if row["kind"] in ("basic", "reverse", "cloze", "type") else "basic"
        assert back[card_id]["kind"] == expected_kind, card_id
        assert back[card_id]["state"] == row["state"]
        assert back[card_id]["stability"] == pytest.approx(row["stability"])
        assert back[card_id]["difficulty"] == pytest.approx(row["difficulty"])


def test_an_export_is_a_schema_11_package_our_reader_and_sqlite_agree_on(tmp_path: Path, decks: Path) -> None:
    out = tmp_path / "out.apkg"
    with studied_demo(tmp_path / "home", decks) as collection:
        report = export_package(collection, out, T0 + timedelta(days=10), with_history=True)
        reviews = collection.db.execute("select count(*) from reviews").fetchone()[0]
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["collection.anki21", "media", "meta"]
        assert package.read("meta") == b"\x08\x02"  # legacy package, version 2
        assert json.loads(package.read("media")) == {}
        database = tmp_path / "collection.anki21"
        database.write_bytes(package.read("collection.anki21"))
    conn = sqlite3.connect(database)
    tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
    assert {"col", "notes", "cards", "revlog", "graves"} <= tables
    assert conn.execute("select ver from col").fetchone()[0] == 11
    models = json.loads(conn.execute("select models from col").fetchone()[0])
    field_counts = {int(mid): len(model["flds"]) for mid, model in models.items()}
    for mid, fields in conn.execute("select mid, flds from notes"):
        assert len(fields.split("\x1f")) == field_counts[mid]
    assert (
        conn.execute("select count(*) from cards where nid not in (select id from notes)").fetchone()[0] == 0
    )
    assert (
        conn.execute("select count(*) from revlog where cid not in (select id from cards)").fetchone()[0] == 0
    )
    assert conn.execute("select count(*) from revlog where ease not between 1 and 4").fetchone()[0] == 0
    assert conn.execute("select count(*) from revlog").fetchone()[0] == reviews == report.reviews
    conn.close()
    anki, package = read_package(out)
    package.close()
    assert anki.schema == 11
    assert {t.name: t.stock_kind for t in anki.notetypes.values()} == {
        "Basic": 1,
        "Basic (and reversed card)": 2,
        "Basic (type in the answer)": 4,
        "Cloze": 5,
    }
    assert len(anki.notes) == report.notes == 7 and len(anki.cards) == report.cards


def test_code_and_formulas_go_out_as_pre_code_and_mathjax(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Collection.open(home, builtin=False) as collection:
        import_package(collection, ANKI / "modern.apkg", NOW)
    out = tmp_path / "out.apkg"
    with Collection.open(home, builtin=False) as collection:
        export_package(collection, out, NOW)
    anki, package = read_package(out)
    package.close()
    fields = {note.id: note.fields for note in anki.notes}
    relu = fields[EXPECTED["notes"]["relu"]["id"]]
    assert relu[1].startswith("\\(\\max(0, x)\\)<br>Cheap &amp; sparse; a GPU hour costs $2.")
    code = fields[EXPECTED["notes"]["code"]["id"]]
    assert code[1] == "<pre><code>opt.zero_grad()\nloss.backward()</code></pre>Then <i>step</i>."
    assert "<code>loss</code>" in code[0]
    assert fields[EXPECTED["notes"]["softmax"]["id"]][1].startswith("\\[\\sigma(z)_i")
    adam = fields[EXPECTED["notes"]["adam"]["id"]]
    assert "{{c3::two moment estimates::how many?}}" in adam[0] and adam[0].endswith("\\(\\beta_1 = 0.9\\)")


def test_notes_from_anki_go_back_with_their_ids_and_guids(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Collection.open(home, builtin=False) as collection:
        import_package(collection, ANKI / "modern.apkg", NOW)
        out = tmp_path / "out.apkg"
        export_package(collection, out, NOW, with_history=True)
    anki, package = read_package(out)
    package.close()
    original, original_package = read_package(ANKI / "modern.apkg")
    original_package.close()
    guids = {note.id: note.guid for note in original.notes}
    exported = {note.id: note.guid for note in anki.notes}
    assert exported == {nid: guids[nid] for nid in exported}  # Anki updates these notes, adds no copy
    assert len(exported) == 9
    memory = {
        card.ord: (card.stability, card.difficulty)
        for card in anki.cards
        if card.note == EXPECTED["notes"]["adam"]["id"]
    }
    assert memory[0] == pytest.approx(
        (EXPECTED["cards"]["adam-c1"]["stability"], EXPECTED["cards"]["adam-c1"]["difficulty"]), rel=0.01
    )
    assert memory[2] == pytest.approx(
        (EXPECTED["cards"]["adam-c3"]["stability"], EXPECTED["cards"]["adam-c3"]["difficulty"]), rel=0.01
    )
    queues = {card.ord: card.queue for card in anki.cards if card.note == EXPECTED["notes"]["bn"]["id"]}
    assert queues == {0: 2, 1: -3}  # the buried reverse stays buried
    assert len(anki.reviews) == 33


def test_without_history_every_card_goes_out_new(tmp_path: Path, decks: Path) -> None:
    out = tmp_path / "out.apkg"
    with studied_demo(tmp_path / "home", decks) as collection:
        export_package(collection, out, T0 + timedelta(days=10))
    anki, package = read_package(out)
    package.close()
    assert {card.queue for card in anki.cards} == {0}
    assert anki.reviews == [] and all(card.stability is None for card in anki.cards)


def test_the_export_command_says_what_it_wrote_and_refuses_unknown_decks(tmp_path: Path, decks: Path) -> None:
    home = tmp_path / "home"
    studied_demo(home, decks).close()
    out = tmp_path / "phone.apkg"
    result = run(home, "--content", str(decks), "export", "--with-history", "--deck", "demo", str(out))
    assert result.returncode == 0, result.stderr
    assert "exported 7 notes (9 cards) and 27 reviews from 1 deck(s)" in result.stdout
    assert out.is_file()
    missing = run(home, "export", "--deck", "nope", str(tmp_path / "x.apkg"))
    assert missing.returncode == 2 and "no deck 'nope'" in missing.stderr
    wrong = run(home, "export", str(tmp_path / "x.zip"))
    assert wrong.returncode == 2 and "must end in .apkg" in wrong.stderr
    assert not (tmp_path / "x.apkg").exists() and not (tmp_path / "x.zip").exists()


def _python_with_anki() -> str | None:
    if importlib.util.find_spec("anki") is not None:
        return sys.executable
    venv = ROOT / "benchmarks" / ".venv-anki" / "bin" / "python"
    return str(venv) if venv.exists() else None


ANKI_IMPORTS = """
import json, sys, tempfile
from anki.collection import Collection, ImportAnkiPackageRequest, ImportAnkiPackageOptions
col = Collection(tempfile.mkdtemp() + "/c.anki2")
col.set_config("fsrs", True)
log = col.import_anki_package(ImportAnkiPackageRequest(
    package_path=sys.argv[1], options=ImportAnkiPackageOptions(with_scheduling=True)))
states = {}
for cid in col.db.list("select id from cards where type = 2"):
    card, computed = col.get_card(cid), col.compute_memory_state(cid)
    states[cid] = [card.memory_state.stability, computed.stability, card.memory_state.difficulty, computed.difficulty]
print(json.dumps({"notes": col.note_count(), "cards": col.card_count(),
                  "revlog": col.db.scalar("select count() from revlog"), "new": len(log.log.new),
                  "types": sorted(col.db.list("select distinct name from notetypes")), "states": states}))
"""


def test_anki_itself_imports_the_export_with_its_history(tmp_path: Path, decks: Path) -> None:
    python = _python_with_anki()
    if python is None:
        pytest.skip("needs the anki package (pip install anki, or benchmarks/.venv-anki)")
    out = tmp_path / "out.apkg"
    with studied_demo(tmp_path / "home", decks) as collection:
        report = export_package(collection, out, T0 + timedelta(days=10), with_history=True)
    result = subprocess.run(
        [python, "-c", ANKI_IMPORTS, str(out)], capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert (seen["notes"], seen["cards"], seen["revlog"], seen["new"]) == (7, 9, report.reviews, 7)
    assert {"Basic", "Basic (and reversed card)", "Basic (type in the answer)", "Cloze"} <= set(seen["types"])
    assert seen["states"]
    for stored, recomputed, difficulty, recomputed_difficulty in seen["states"].values():
        # Anki, recomputing each memory state from the exported log, lands where quizapp's was.
        assert recomputed == pytest.approx(stored, rel=0.01)
        assert recomputed_difficulty == pytest.approx(difficulty, abs=0.01)
