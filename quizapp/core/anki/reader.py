"""An Anki collection (schema 11 or 18) read into plain objects: note types, decks, notes, cards,
the review log.

Schema 11 keeps note types and decks as JSON in the `col` row, deck paths joined by `::`; schema
18 has tables for them (`notetypes`, `fields`, `templates`, `decks`), configs as protobuf and
deck paths joined by `\\x1f`. Notes, cards and the revlog have the same shape in both.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from quizapp.core.anki import AnkiPackageError, protobuf
from quizapp.core.anki.package import STUB_TEXT, Package

LEGACY_SCHEMA = 11
TABLE_SCHEMAS = range(15, 19)
"""Schemas with note types in tables; Anki writes 18 today."""


@dataclass(frozen=True)
class NoteType:
    id: int
    name: str
    cloze: bool
    """Anki's note type kind 1: its cards are the cloze numbers of a field."""
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str], ...]
    """(question, answer) template of each card ordinal."""
    stock_kind: int = 0
    """Which stock type it was made from (Anki's OriginalStockKind; 6 is Image Occlusion)."""


@dataclass(frozen=True)
class Note:
    id: int
    guid: str
    notetype: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Card:
    id: int
    note: int
    deck: int
    ord: int
    queue: int
    """-1 suspended, -2/-3 buried, 0 new, 1/3 learning, 2 review."""
    stability: float | None
    """Anki's own FSRS memory state (cards.data `s`/`d`), when it has one."""
    difficulty: float | None


@dataclass(frozen=True)
class Review:
    id: int
    """When it was answered, in epoch milliseconds."""
    card: int
    ease: int
    """1–4 (Again … Easy); 0 for a manual entry."""
    duration_ms: int
    kind: int
    """0 learning, 1 review, 2 relearning, 3 filtered, 4 manual, 5 rescheduled."""
    interval: int
    factor: int


@dataclass
class AnkiCollection:
    schema: int
    notetypes: dict[int, NoteType] = field(default_factory=dict)
    decks: dict[int, str] = field(default_factory=dict)
    """Deck id → its full name, levels joined by `::`."""
    notes: list[Note] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    """Sorted by time."""
    day_rollover_hour: int = 4


def read_package(
    path: Path, *, progress: Callable[[str], None] | None = None
) -> tuple[AnkiCollection, Package]:
    """The collection in the package at `path`, and the open package (for its media; close it)."""
    package = Package(path)
    try:
        with package.collection() as conn:
            collection = read_collection(conn, f"{package.collection_member} in {path}")
    except BaseException:
        package.close()
        raise
    return collection, package


def read_collection(conn: sqlite3.Connection, where: str) -> AnkiCollection:
    try:
        return _read(conn, where)
    except AnkiPackageError:
        raise
    except sqlite3.Error as error:
        raise AnkiPackageError(f"{where} is damaged or not an Anki collection ({error})") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise AnkiPackageError(
            f"{where} holds a value Anki never writes ({type(error).__name__}: {error})"
        ) from None


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}


def _read(conn: sqlite3.Connection, where: str) -> AnkiCollection:
    tables = _tables(conn)
    missing = {"col", "notes", "cards", "revlog"} - tables
    if missing:
        raise AnkiPackageError(f"{where} is not an Anki collection (no {', '.join(sorted(missing))} table)")
    row = conn.execute("select ver, conf from col").fetchone() if "conf" in _columns(conn, "col") else None
    version = conn.execute("select ver from col").fetchone()
    if version is None:
        raise AnkiPackageError(f"{where} is not an Anki collection (its col table is empty)")
    schema = int(version[0])
    collection = AnkiCollection(schema)
    if schema == LEGACY_SCHEMA:
        _read_legacy_types(conn, collection)
        if row is not None and row[1]:
            conf = json.loads(row[1])
            if isinstance(conf, dict) and isinstance(conf.get("rollover"), int):
                collection.day_rollover_hour = conf["rollover"]
    elif schema in TABLE_SCHEMAS and {"notetypes", "fields", "templates", "decks"} <= tables:
        _read_table_types(conn, collection)
    else:
        raise AnkiPackageError(
            f"{where} has collection schema {schema}, which quizapp does not read (it reads 11 and 15–18)"
        )
    _read_notes(conn, collection)
    if (
        len(collection.notes) == 1
        and collection.notes[0].fields
        and collection.notes[0].fields[0].startswith(STUB_TEXT)
    ):
        raise AnkiPackageError(
            f"{where} is only Anki's 'please update to the latest Anki version' placeholder, not the collection"
        )
    _read_cards(conn, collection)
    _read_reviews(conn, collection)
    return collection


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"pragma table_info({table})")}


def _read_legacy_types(conn: sqlite3.Connection, collection: AnkiCollection) -> None:
    models_json, decks_json = conn.execute("select models, decks from col").fetchone()
    models = json.loads(models_json or "{}")
    decks = json.loads(decks_json or "{}")
    if not isinstance(models, dict) or not isinstance(decks, dict):
        raise AnkiPackageError("the note types or decks of the collection are not JSON objects")
    for model in models.values():
        fields = sorted(model["flds"], key=lambda f: int(f["ord"]))
        templates = sorted(model["tmpls"], key=lambda t: int(t["ord"]))
        collection.notetypes[int(model["id"])] = NoteType(
            id=int(model["id"]),
            name=str(model["name"]),
            cloze=int(model.get("type", 0)) == 1,
            fields=tuple(str(f["name"]) for f in fields),
            templates=tuple((str(t.get("qfmt", "")), str(t.get("afmt", ""))) for t in templates),
            stock_kind=int(model.get("originalStockKind", 0) or 0),
        )
    for deck in decks.values():
        collection.decks[int(deck["id"])] = str(deck["name"])


def _read_table_types(conn: sqlite3.Connection, collection: AnkiCollection) -> None:
    fields: dict[int, list[str]] = {}
    for ntid, _ord, name in conn.execute("select ntid, ord, name from fields order by ntid, ord"):
        fields.setdefault(int(ntid), []).append(str(name))
    templates: dict[int, list[tuple[str, str]]] = {}
    for ntid, _ord, config in conn.execute("select ntid, ord, config from templates order by ntid, ord"):
        message = protobuf.decode(bytes(config or b""))
        templates.setdefault(int(ntid), []).append(
            (protobuf.first_text(message, 1), protobuf.first_text(message, 2))
        )
    for ntid, name, config in conn.execute("select id, name, config from notetypes"):
        message = protobuf.decode(bytes(config or b""))
        collection.notetypes[int(ntid)] = NoteType(
            id=int(ntid),
            name=str(name),
            cloze=protobuf.first_int(message, 1) == 1,
            fields=tuple(fields.get(int(ntid), [])),
            templates=tuple(templates.get(int(ntid), [])),
            stock_kind=protobuf.first_int(message, 9),
        )
    for did, name in conn.execute("select id, name from decks"):
        collection.decks[int(did)] = str(name).replace("\x1f", "::")


def _read_notes(conn: sqlite3.Connection, collection: AnkiCollection) -> None:
    collection.notes = [
        Note(int(nid), str(guid), int(mid), tuple(str(flds).split("\x1f")), tuple(str(tags or "").split()))
        for nid, guid, mid, flds, tags in conn.execute(
            "select id, guid, mid, flds, tags from notes order by id"
        )
    ]


def _read_cards(conn: sqlite3.Connection, collection: AnkiCollection) -> None:
    has_data = "data" in _columns(conn, "cards")
    # A card in a filtered deck belongs to its original deck (odid).
    sql = f"select id, nid, did, odid, ord, queue, {'data' if has_data else 'null'} from cards order by id"
    for cid, nid, did, odid, ord_, queue, data in conn.execute(sql):
        did = odid or did
        stability = difficulty = None
        if data:
            try:
                memory = json.loads(data)
            except ValueError:
                memory = None
            if isinstance(memory, dict):
                stability = _number(memory.get("s"))
                difficulty = _number(memory.get("d"))
        collection.cards.append(
            Card(int(cid), int(nid), int(did), int(ord_), int(queue), stability, difficulty)
        )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _read_reviews(conn: sqlite3.Connection, collection: AnkiCollection) -> None:
    collection.reviews = [
        Review(int(rid), int(cid), int(ease), int(taken or 0), int(kind), int(ivl or 0), int(factor or 0))
        for rid, cid, ease, taken, kind, ivl, factor in conn.execute(
            "select id, cid, ease, time, type, ivl, factor from revlog order by id"
        )
    ]
