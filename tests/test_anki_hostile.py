"""An .apkg is untrusted: bombs, names leaving the package, damaged or foreign databases and
hostile HTML each get one clear sentence (exit 2) or are neutralised; nothing is written unless the
whole import succeeds; no control character from a package reaches the terminal."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
import zstandard

from quizapp.application.anki import AnkiPackageError, import_package
from quizapp.application.collection import Collection
from quizapp.core.anki import store
from quizapp.core.anki.package import Limits, Package
from tests.conftest import FIXTURES, T0
from tests.quizapp_cli import run

ANKI = FIXTURES / "anki"
EXPECTED = json.loads((ANKI / "expected.json").read_text())
NOW = T0 + timedelta(days=400)


def legacy_package(
    tmp_path: Path,
    name: str = "hostile.apkg",
    *,
    change: Callable[[sqlite3.Connection], None] | None = None,
    collection: bytes | None = None,
    media: dict[str, str] | None = None,
    members: dict[str, bytes] | None = None,
) -> Path:
    """Anki's legacy fixture package, with its collection changed by `change` (or replaced), its
    media list replaced and members added."""
    with zipfile.ZipFile(ANKI / "legacy.apkg") as source:
        original = {item.filename: source.read(item) for item in source.infolist()}
    if collection is None and change is not None:
        work = tmp_path / f"{name}.anki21"
        work.write_bytes(original["collection.anki21"])
        conn = sqlite3.connect(work)
        with conn:
            change(conn)
        conn.close()
        collection = work.read_bytes()
    if collection is not None:
        original["collection.anki21"] = collection
    if media is not None:
        original["media"] = json.dumps(media).encode()
    original.update(members or {})
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member, data in original.items():
            target.writestr(member, data)
    return path


def import_into(home: Path, package: Path):
    with Collection.open(home, builtin=False) as collection:
        return import_package(collection, package, NOW)


def written(home: Path) -> list[str]:
    folder = home / "decks"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def review_count(home: Path) -> int:
    with Collection.open(home, builtin=False) as collection:
        return collection.db.execute("select count(*) from reviews").fetchone()[0]


# -- bombs -----------------------------------------------------------------------------------------


def test_a_zip_bomb_stops_at_the_ratio_cap(tmp_path: Path, home: Path) -> None:
    bomb = tmp_path / "bomb.apkg"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package,
        package.open("collection.anki21", "w") as member,
    ):
        for _ in range(64):
            member.write(bytes(1 << 20))
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(AnkiPackageError, match="over 200 times its packed size: refused as a zip bomb"):
        import_into(home, bomb)
    assert written(home) == []


def test_a_zstd_bomb_in_a_current_package_stops_at_the_ratio_cap(tmp_path: Path, home: Path) -> None:
    bomb = tmp_path / "zstd-bomb.apkg"
    with zipfile.ZipFile(bomb, "w") as package:
        package.writestr("meta", b"\x08\x03")
        package.writestr("collection.anki21b", zstandard.ZstdCompressor().compress(bytes(64 << 20)))
    with pytest.raises(AnkiPackageError, match="refused as a zip bomb"):
        import_into(home, bomb)


def test_the_uncompressed_size_is_capped_whatever_the_headers_say(tmp_path: Path) -> None:
    with (
        Package(ANKI / "legacy.apkg", Limits(collection_bytes=100_000)) as package,
        pytest.raises(AnkiPackageError, match="unpacks to more than 0 MiB"),
        package.collection(),
    ):
        pass
    with (
        Package(ANKI / "modern.apkg", Limits(total_bytes=1000)) as package,
        pytest.raises(AnkiPackageError, match="refused"),
        package.collection(),
    ):
        pass


# -- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["../../evil.sh", "/etc/passwd", "media/../../x", "C:\\evil"])
def test_a_member_named_outside_the_package_is_refused(tmp_path: Path, home: Path, member: str) -> None:
    package = legacy_package(tmp_path, members={member: b"boom"})
    with pytest.raises(AnkiPackageError, match="outside the package: refused as unsafe"):
        import_into(home, package)


def test_media_names_cannot_leave_the_media_folder_nor_become_decks(tmp_path: Path, home: Path) -> None:
    def refer(conn: sqlite3.Connection) -> None:
        conn.execute(
            "update notes set flds = ? where id = ?",
            [
                'Front\x1f<img src="../../../escaped.png"><img src="evil.yaml"><img src=".hidden.png">',
                EXPECTED["notes"]["relu"]["id"],
            ],
        )

    package = legacy_package(
        tmp_path,
        change=refer,
        media={"0": "../../../escaped.png", "1": "evil.yaml", "2": ".hidden.png"},
        members={"0": b"png", "1": b"quizapp: 1\ndeck: {id: evil, title: Evil}\ncards: []\n", "2": b"h"},
    )
    import_into(home, package)
    assert not (tmp_path / "escaped.png").exists() and not (home / "escaped.png").exists()
    media = sorted(p.name for p in (home / "decks" / "anki-media").iterdir())
    assert media == ["escaped.png", "evil.yaml.txt", "hidden.png"]
    back = next(
        card["back"]
        for file in (home / "decks").glob("*.yaml")
        for card in yaml.safe_load(file.read_text())["cards"]
        if card["id"] == f"anki-{EXPECTED['notes']['relu']['id']}"
    )
    assert back == (
        "[image: anki-media/escaped.png][image: anki-media/evil.yaml.txt][image: anki-media/hidden.png]"
    )
    with Collection.open(home, builtin=False) as collection:
        assert not collection.last_sync.problems
        assert "evil" not in {row["id"] for row in collection.db.query("select id from decks")}


# -- damaged and foreign databases -------------------------------------------------------------------


def test_a_truncated_collection_is_refused(tmp_path: Path, home: Path) -> None:
    with zipfile.ZipFile(ANKI / "legacy.apkg") as source:
        whole = source.read("collection.anki21")
    package = legacy_package(tmp_path, collection=whole[: len(whole) // 3])
    with pytest.raises(AnkiPackageError, match="damaged or not an Anki collection"):
        import_into(home, package)
    assert written(home) == []


def test_a_file_that_is_no_database_is_refused(tmp_path: Path, home: Path) -> None:
    package = legacy_package(tmp_path, collection=b"<html>not a database</html>" * 100)
    with pytest.raises(AnkiPackageError, match="is not an SQLite database"):
        import_into(home, package)


def test_a_scrambled_database_is_refused(tmp_path: Path, home: Path) -> None:
    with zipfile.ZipFile(ANKI / "legacy.apkg") as source:
        whole = bytearray(source.read("collection.anki21"))
    for offset in range(4096, len(whole), 997):  # pages overwritten, header kept
        whole[offset : offset + 64] = bytes(range(64))
    package = legacy_package(tmp_path, collection=bytes(whole))
    with pytest.raises(AnkiPackageError):
        import_into(home, package)


def test_a_schema_quizapp_does_not_read_is_named(tmp_path: Path, home: Path) -> None:
    package = legacy_package(tmp_path, change=lambda conn: conn.execute("update col set ver = 99"))
    with pytest.raises(AnkiPackageError, match="has collection schema 99, which quizapp does not read"):
        import_into(home, package)


def test_a_package_from_a_newer_anki_is_named(tmp_path: Path, home: Path) -> None:
    package = legacy_package(tmp_path, members={"meta": b"\x08\x07"})
    with pytest.raises(AnkiPackageError, match="made by a newer Anki \\(package version 7"):
        import_into(home, package)


def test_values_anki_never_writes_are_refused(tmp_path: Path, home: Path) -> None:
    package = legacy_package(tmp_path, change=lambda conn: conn.execute("update cards set ord = 'zero'"))
    with pytest.raises(AnkiPackageError, match="holds a value Anki never writes"):
        import_into(home, package)


def test_a_file_that_is_no_zip_is_refused(tmp_path: Path, home: Path) -> None:
    fake = tmp_path / "fake.apkg"
    fake.write_bytes(b"SQLite format 3\x00" + bytes(100))
    with pytest.raises(AnkiPackageError, match="is not an Anki package"):
        import_into(home, fake)


# -- hostile text --------------------------------------------------------------------------------------


def test_html_scripts_and_control_characters_are_neutralised(tmp_path: Path, home: Path) -> None:
    hostile = (
        '<script>alert("x")</script><style>body{display:none}</style>'
        '<a href="javascript:alert(1)" onclick="evil()">link</a>'
        "<img src=x onerror=alert(1)>\x1b]0;pwned\x07 ok\u202etxt.exe\r<iframe src=evil>inside</iframe>"
    )

    def poison(conn: sqlite3.Connection) -> None:
        conn.execute(
            "update notes set flds = ?, tags = ? where id = ?",
            [f"{hostile}\x1fBack\x1b[2J", " tag\x1b[31m ", EXPECTED["notes"]["relu"]["id"]],
        )
        conn.execute("update col set decks = replace(decks, 'Deep Learning', 'Deep\\u001b[2J Learning')")

    package = legacy_package(tmp_path, change=poison)
    import_into(home, package)
    card = next(
        card
        for file in (home / "decks").glob("*.yaml")
        for card in yaml.safe_load(file.read_text())["cards"]
        if card["id"] == f"anki-{EXPECTED['notes']['relu']['id']}"
    )
    assert card["front"] == "link[image: anki-media/x]]0;pwned oktxt.exe"
    assert card["back"] == "Back[2J"
    assert card["tags"] == ["tag[31m"]
    with Collection.open(home, builtin=False) as collection:
        titles = {row["title"] for row in collection.db.query("select title from decks")}
    assert "Deep[2J Learning" in titles
    text = "".join(p.read_text() for p in (home / "decks").glob("*.yaml"))
    assert "script" not in text and "alert" not in text and "evil" not in text
    assert not any(ord(char) < 32 and char not in "\n" for char in text)
    result = run(home, "import", str(package))
    assert result.returncode == 0
    assert "\x1b" not in result.stdout + result.stderr


# -- the command line: one sentence, exit 2, nothing written ---------------------------------------------


def test_every_bad_package_is_one_sentence_and_exit_2(tmp_path: Path, home: Path) -> None:
    truncated = legacy_package(tmp_path, "truncated.apkg", collection=b"SQLite format 3\x00" + bytes(50))
    traversal = legacy_package(tmp_path, "traversal.apkg", members={"../x": b""})
    wrong_schema = legacy_package(
        tmp_path, "schema.apkg", change=lambda c: c.execute("update col set ver = 3")
    )
    missing = tmp_path / "missing.apkg"
    folder = tmp_path / "folder.apkg"
    folder.mkdir()
    escape = tmp_path / "esc\x1b[2J.apkg"
    escape.write_bytes(b"not a zip")
    for package in (truncated, traversal, wrong_schema, missing, folder, escape):
        result = run(home, "import", str(package))
        assert result.returncode == 2, (package, result.stdout, result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.startswith("Error")]
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert "\x1b" not in result.stderr + result.stdout
    assert written(home) == []


def test_a_failure_while_writing_leaves_files_and_database_as_they_were(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_into(home, ANKI / "modern.apkg")
    before_files = {p: p.read_bytes() for p in (home / "decks").glob("*.yaml")}
    before_reviews = review_count(home)
    edited = legacy_package(
        tmp_path,
        change=lambda conn: conn.execute("update notes set flds = replace(flds, 'BN', 'Batch norm')"),
    )

    def fail(*_args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "set_schedules", fail)
    monkeypatch.setattr("quizapp.application.anki.set_schedules", fail)
    with pytest.raises(sqlite3.OperationalError):
        import_into(home, edited)
    assert {p: p.read_bytes() for p in (home / "decks").glob("*.yaml")} == before_files
    assert review_count(home) == before_reviews
    assert not [p for p in (home / "decks").iterdir() if p.name.startswith(".")]  # no staging left


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_log_entries_no_clock_wrote_are_skipped_not_crashed_on(tmp_path: Path, home: Path) -> None:
    card = EXPECTED["cards"]["relu"]["id"]

    def corrupt(conn: sqlite3.Connection) -> None:
        conn.executemany(
            "insert into revlog values (?, ?, -1, ?, 0, 0, 0, ?, 1)",
            [(10**18, card, 3, 5000), (-5, card, 3, 5000), (1_740_000_000_000, card, 9, 5000)],
        )
        conn.execute(
            "update revlog set time = -7 where id = ?", [EXPECTED["cards"]["relu"]["revlog"][0]["id"]]
        )

    report = import_into(home, legacy_package(tmp_path, change=corrupt))
    assert report.reviews_added == 33
    assert report.reviews_skipped == 4  # the three above and Anki's own "set due date"
    with Collection.open(home, builtin=False) as collection:
        durations = [row[0] for row in collection.db.execute("select duration_ms from reviews")]
    assert min(durations) == 0
