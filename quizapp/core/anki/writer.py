"""Writing a legacy Anki package (schema 11, `collection.anki21` beside `meta` version 2): the
format of Anki's "Support older Anki versions" export, which every current Anki, AnkiDroid and
AnkiMobile imports.

Notes use Anki's stock note types, recognised by Anki by their `originalStockKind`: Basic, Basic
(and reversed card), Basic (type in the answer) and Cloze. Cards may carry their schedule (type,
queue, due, interval) and FSRS memory state (`data`: `s`, `d`, `lrt`), and the review log.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from quizapp.core.anki import protobuf

SCHEMA = """
CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL, scm integer NOT NULL,
  ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL, ls integer NOT NULL, conf text NOT NULL,
  models text NOT NULL, decks text NOT NULL, dconf text NOT NULL, tags text NOT NULL);
CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL, mod integer NOT NULL,
  usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL, sfld integer NOT NULL, csum integer NOT NULL,
  flags integer NOT NULL, data text NOT NULL);
CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL, ord integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL, queue integer NOT NULL, due integer NOT NULL,
  ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL, lapses integer NOT NULL,
  left integer NOT NULL, odue integer NOT NULL, odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE revlog (id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL, ease integer NOT NULL,
  ivl integer NOT NULL, lastIvl integer NOT NULL, factor integer NOT NULL, time integer NOT NULL,
  type integer NOT NULL);
CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
"""

_CSS = ".card {\n font-family: arial;\n font-size: 20px;\n text-align: center;\n color: black;\n background-color: white;\n}\n"
_ANSWER = "{{FrontSide}}\n\n<hr id=answer>\n\n"


@dataclass(frozen=True)
class StockType:
    id: int
    name: str
    stock_kind: int
    cloze: bool
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]
    """(name, question, answer)."""


STOCK = {
    "basic": StockType(1_700_000_000_001, "Basic", 1, False, ("Front", "Back"),
                       (("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),)),
    "reverse": StockType(1_700_000_000_002, "Basic (and reversed card)", 2, False, ("Front", "Back"),
                         (("Card 1", "{{Front}}", _ANSWER + "{{Back}}"), ("Card 2", "{{Back}}", _ANSWER + "{{Front}}"))),
    "type": StockType(1_700_000_000_004, "Basic (type in the answer)", 4, False, ("Front", "Back"),
                      (("Card 1", "{{Front}}\n\n{{type:Back}}", "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}"),)),
    "cloze": StockType(1_700_000_000_005, "Cloze", 5, True, ("Text", "Back Extra"),
                       (("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}"),)),
}  # fmt: skip


@dataclass
class OutReview:
    at_ms: int
    ease: int
    duration_ms: int
    kind: int
    """0 learning, 1 review, 2 relearning."""
    interval: int
    """Days, or negative seconds for a learning step (Anki's convention)."""
    last_interval: int


@dataclass
class OutCard:
    id: int
    ord: int
    type: int = 0
    queue: int = 0
    due: int = 0
    interval: int = 0
    reps: int = 0
    lapses: int = 0
    memory: dict[str, float | int] | None = None
    """FSRS state: {"s": stability, "d": difficulty, "lrt": last review (epoch seconds)}."""
    reviews: list[OutReview] = field(default_factory=list)


@dataclass
class OutNote:
    id: int
    guid: str
    notetype: str
    """A key of STOCK."""
    fields: tuple[str, ...]
    tags: list[str]
    deck: str
    """The deck's full name, levels joined by `::`."""
    cards: list[OutCard]


def stable_id(text: str) -> int:
    """A 13-digit id that is the same for the same text on every export (what Anki uses for ids)."""
    return (
        1_000_000_000_000 + int.from_bytes(hashlib.sha1(text.encode()).digest()[:8], "big") % 900_000_000_000
    )


def _strip(html_text: str) -> str:
    return re.sub(r"<[^>]*>", "", html_text).strip()


def _checksum(text: str) -> int:
    return int(hashlib.sha1(_strip(text).encode()).hexdigest()[:8], 16)


def _model(stock: StockType) -> dict:
    return {
        "id": stock.id,
        "name": stock.name,
        "type": 1 if stock.cloze else 0,
        "mod": 0,
        "usn": 0,
        "sortf": 0,
        "did": None,
        "tmpls": [
            {
                "name": name,
                "ord": ordinal,
                "qfmt": question,
                "afmt": answer,
                "bqfmt": "",
                "bafmt": "",
                "did": None,
                "bfont": "",
                "bsize": 0,
            }
            for ordinal, (name, question, answer) in enumerate(stock.templates)
        ],
        "flds": [
            {
                "name": name,
                "ord": ordinal,
                "sticky": False,
                "rtl": False,
                "font": "Arial",
                "size": 20,
                "description": "",
                "plainText": False,
                "collapsed": False,
                "excludeFromSearch": False,
            }
            for ordinal, name in enumerate(stock.fields)
        ],
        "css": _CSS,
        "latexPre": "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n"
        "\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
        "latexPost": "\\end{document}",
        "latexsvg": False,
        "req": [[ordinal, "any", [ordinal]] for ordinal in range(len(stock.templates))],
        "originalStockKind": stock.stock_kind,
    }


def _deck(deck_id: int, name: str, now: int) -> dict:
    return {
        "id": deck_id, "mod": now, "name": name, "usn": -1, "lrnToday": [0, 0], "revToday": [0, 0],
        "newToday": [0, 0], "timeToday": [0, 0], "collapsed": False, "browserCollapsed": False, "desc": "",
        "dyn": 0, "conf": 1, "extendNew": 0, "extendRev": 0,
    }  # fmt: skip


_DECK_CONFIG = {
    "id": 1, "mod": 0, "name": "Default", "usn": 0, "maxTaken": 60, "autoplay": True, "timer": 0, "replayq": True,
    "new": {"bury": False, "delays": [1.0, 10.0], "initialFactor": 2500, "ints": [1, 4, 0], "order": 1, "perDay": 20},
    "rev": {"bury": False, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": 36500, "perDay": 200, "hardFactor": 1.2},
    "lapse": {"delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0},
    "dyn": False,
}  # fmt: skip


def write_package(path: Path, notes: list[OutNote], *, created: int, now: int, rollover_hour: int) -> None:
    """Write `notes` as a legacy .apkg at `path` (atomically: a temporary file renamed at the end).

    Args:
        created: the collection's creation time (epoch seconds, the start of a study day): review
            cards' `due` counts days from it.
        now: the modification time written everywhere (epoch seconds).
    """
    decks = {name: stable_id("deck:" + name) for name in sorted({note.deck for note in notes})}
    used = sorted({note.notetype for note in notes})
    conf = {"nextPos": 1, "schedVer": 2, "sched2021": True, "curDeck": 1, "activeDecks": [1], "sortType": "noteFld",
            "rollover": rollover_hour, "fsrs": True, "dueCounts": True, "estTimes": True, "collapseTime": 1200,
            "newSpread": 0, "addToCur": True, "curModel": STOCK[used[0]].id if used else 1}  # fmt: skip
    deck_json = {"1": _deck(1, "Default", 0)}
    deck_json.update({str(deck_id): _deck(deck_id, name, now) for name, deck_id in decks.items()})
    folder = path.parent
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    database = Path(temporary + ".anki21")
    try:
        conn = sqlite3.connect(database)
        try:
            conn.executescript(SCHEMA)
            conn.execute(
                "insert into col values (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
                [
                    created,
                    now * 1000,
                    now * 1000,
                    json.dumps(conf),
                    json.dumps({str(STOCK[key].id): _model(STOCK[key]) for key in used}),
                    json.dumps(deck_json, ensure_ascii=False),
                    json.dumps({"1": _DECK_CONFIG}),
                ],
            )
            conn.executemany(
                "insert into notes values (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')",
                (
                    (
                        note.id,
                        note.guid,
                        STOCK[note.notetype].id,
                        now,
                        f" {' '.join(note.tags)} " if note.tags else "",
                        "\x1f".join(note.fields),
                        _strip(note.fields[0]),
                        _checksum(note.fields[0]),
                    )
                    for note in notes
                ),
            )
            conn.executemany(
                "insert into cards values (?, ?, ?, ?, ?, -1, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)",
                (
                    (
                        card.id,
                        note.id,
                        decks[note.deck],
                        card.ord,
                        now,
                        card.type,
                        card.queue,
                        card.due,
                        card.interval,
                        2500 if card.type else 0,
                        card.reps,
                        card.lapses,
                        1 if card.type in (1, 3) else 0,
                        json.dumps(card.memory) if card.memory else "",
                    )
                    for note in notes
                    for card in note.cards
                ),
            )
            conn.executemany(
                "insert into revlog values (?, ?, -1, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        review.at_ms,
                        card.id,
                        review.ease,
                        review.interval,
                        review.last_interval,
                        2500,
                        review.duration_ms,
                        review.kind,
                    )
                    for note in notes
                    for card in note.cards
                    for review in card.reviews
                ),
            )
            conn.commit()
        finally:
            conn.close()
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as package:
            package.write(database, "collection.anki21")
            package.writestr("meta", protobuf.encode([(1, 2)]))
            package.writestr("media", "{}")
        os.replace(temporary, path)
    finally:
        database.unlink(missing_ok=True)
        Path(temporary).unlink(missing_ok=True)
