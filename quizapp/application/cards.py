"""Browsing cards: search, a card's review history, suspend/bury/forget, and editing its deck file.

The card browser (`tui/screens/browser.py`) and `quizapp cards` both call these. A search is one
page of rows, each with its prompt rendered as the study screen shows it (formulas as Unicode, a
cloze's blank as `[…]`), plus the number of cards that match in all; the query language is
`quizapp.core.card_query`'s. Every action returns a `Change` holding what it overwrote, which
`undo` writes back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.application.editor import NoEditor, editor_command
from quizapp.core import card_query
from quizapp.core.card_query import CardQuery, CardQueryError, Moment
from quizapp.core.clock import day_bounds
from quizapp.core.db import write_transaction
from quizapp.core.kinds import CardData

if TYPE_CHECKING:
    from quizapp.application.collection import Collection
    from quizapp.config import Settings
    from quizapp.core.db import QuizDatabase
    from quizapp.core.yaml_source import YamlDocument

__all__ = [
    "BULK_CONFIRM_OVER",
    "PAGE",
    "CardDetail",
    "CardQueryError",
    "CardRow",
    "Change",
    "Found",
    "HistoryEntry",
    "NoEditor",
    "bury",
    "card_detail",
    "edit_location",
    "editor_command",
    "forget",
    "history",
    "matching_ids",
    "rendered_prompt",
    "resolve_ids",
    "search",
    "suspend",
    "unbury",
    "undo",
    "unsuspend",
]

PAGE = 200
"""Rows a search returns at once; the browser asks for the next page on request."""
BULK_CONFIRM_OVER = 20
"""`quizapp cards` asks for `--yes` before changing more cards than this."""
STATE_NAMES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}
GRADE_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
# The scheduling columns (as `core.scheduling.SCHEDULE_COLUMNS`) and the two flags: what an action may change.
_SCHEDULE = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
_FLAGS = ("suspended", "buried_until")
_COLUMNS = (
    "id", "note_id", "deck", "kind", "data", "tags", "file", "state", "due", "reps", "lapses", "stability",
    "difficulty", "suspended",
)  # fmt: skip


def _columns(table: str = "") -> str:
    """What a `CardRow` is made from, for a SELECT (`table`: the alias to read them from)."""
    prefix = f"{table}." if table else ""
    return (
        ", ".join(prefix + column for column in _COLUMNS)
        + f", coalesce({prefix}buried_until > :now, 0) as buried"
    )


_ROW_COLUMNS = _columns()


# -- what a search returns -------------------------------------------------------------------------


@dataclass(frozen=True)
class CardRow:
    """One card as a listing shows it."""

    id: str
    note_id: str
    deck: str
    kind: str
    state: int
    """0 new, 1 learning, 2 review, 3 relearning."""
    suspended: bool
    buried: bool
    """Buried until a later study day."""
    leech: bool
    due: float | None
    """Epoch seconds (UTC); None for a new card."""
    lapses: int
    reps: int
    stability: float | None
    difficulty: float | None
    tags: tuple[str, ...]
    prompt: str
    """What the card asks, rendered as on the study screen, on one line, control characters visible."""
    file: str

    @property
    def status(self) -> str:
        """One word: suspended or buried when it is, its scheduling state otherwise."""
        if self.suspended:
            return "suspended"
        if self.buried:
            return "buried"
        return STATE_NAMES.get(self.state, str(self.state))

    def due_date(self) -> str:
        """The local date it is due on ("" for a new card)."""
        if self.due is None or self.state == 0:
            return ""
        return datetime.fromtimestamp(self.due).strftime("%Y-%m-%d")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "note_id": self.note_id,
            "deck": self.deck,
            "kind": self.kind,
            "state": STATE_NAMES.get(self.state, str(self.state)),
            "suspended": self.suspended,
            "buried": self.buried,
            "leech": self.leech,
            "due": None if self.due is None or self.state == 0 else _iso(self.due),
            "lapses": self.lapses,
            "reps": self.reps,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "tags": list(self.tags),
            "prompt": self.prompt,
            "file": self.file,
        }


@dataclass(frozen=True)
class Found:
    """One page of a search's results."""

    query: CardQuery
    total: int
    """Cards that match in all."""
    cards: list[CardRow]
    offset: int = 0

    @property
    def more(self) -> int:
        """Matching cards after this page."""
        return max(self.total - self.offset - len(self.cards), 0)


def moment(settings: Settings, now: datetime) -> Moment:
    _start, day_end = day_bounds(now, settings.day_starts_at_hour)
    return Moment(now.timestamp(), day_end, settings.leech_lapses)


def parse_query(db: QuizDatabase, text: str) -> CardQuery:
    """`text` parsed, its `deck:` ids checked against the decks there are; raises CardQueryError."""
    query = card_query.parse(text)
    if query.decks:
        known = sorted(row[0] for row in db.execute("select id from decks"))
        for deck in query.decks:
            if deck not in known:
                raise CardQueryError(f"deck:{deck}: no such deck (decks: {', '.join(known) or 'none'})")
    return query


def search(
    db: QuizDatabase,
    settings: Settings,
    text: str,
    now: datetime,
    *,
    limit: int | None = PAGE,
    offset: int = 0,
) -> Found:
    """The cards matching `text`, in deck-file order: `limit` of them from `offset`, and the count.

    Raises:
        CardQueryError: the query cannot be read, or names a deck there is not.
    """
    query = parse_query(db, text)
    clause, params = card_query.where(query, moment(settings, now))
    if query.has_text:
        total, rows = _search_once(db, clause, params, limit, offset)
    else:  # the indexes on state, deck and due serve both queries
        page = f" limit {int(limit)} offset {int(offset)}" if limit is not None else ""
        total = db.execute(f"select count(*) from cards where {clause}", params).fetchone()[0]
        rows = list(
            db.query(f"select {_ROW_COLUMNS} from cards where {clause} order by deck, position{page}", params)
        )
    return Found(query, total, [_card_row(row, settings.leech_lapses) for row in rows], offset)


def _search_once(
    db: QuizDatabase, clause: str, params: dict[str, object], limit: int | None, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Count and page with one read of every row (free words are looked for in each row's text):
    the matching rows, in deck-file order, go to a temporary table, whose own rowids then number
    them: its size is the count, and a page is a range of it."""
    db.execute("drop table if exists temp.browse_hits")
    db.execute(
        f"create temp table browse_hits as select rowid as card from cards where {clause} order by deck, position",
        params,
    )
    try:
        total = db.execute("select count(*) from temp.browse_hits").fetchone()[0]
        last = total if limit is None else offset + limit
        rows = list(
            db.query(
                f"select {_columns('c')} from temp.browse_hits h join cards c on c.rowid = h.card "
                "where h.rowid > :first and h.rowid <= :last order by h.rowid",
                {"now": params["now"], "first": offset, "last": last},
            )
        )
    finally:
        db.execute("drop table temp.browse_hits")
    return total, rows


def matching_ids(db: QuizDatabase, settings: Settings, text: str, now: datetime) -> list[str]:
    """The ids of every card matching `text`, in deck-file order (for actions on all of them)."""
    clause, params = card_query.where(parse_query(db, text), moment(settings, now))
    return [
        row[0] for row in db.execute(f"select id from cards where {clause} order by deck, position", params)
    ]


def resolve_ids(
    db: QuizDatabase, names: Iterable[str], *, suspended: bool | None = None
) -> tuple[list[str], list[str]]:
    """Card ids for `names`, each a card id or a note id (all the cards of that note).

    Args:
        suspended: only the cards that are (True) or are not (False) suspended.

    Returns:
        The card ids found (in order, once each) and the names that match none.
    """
    only = "" if suspended is None else f" and suspended = {int(suspended)}"
    found: dict[str, None] = {}
    unknown = []
    for name in names:
        rows = db.execute(
            f"select id from cards where (id = ? or note_id = ?){only} order by position", [name, name]
        ).fetchall()
        if not rows:
            unknown.append(name)
        found.update((row[0], None) for row in rows)
    return list(found), unknown


def _card_row(row: dict[str, Any], leech_lapses: int) -> CardRow:
    return CardRow(
        id=row["id"],
        note_id=row["note_id"],
        deck=row["deck"],
        kind=row["kind"],
        state=row["state"],
        suspended=bool(row["suspended"]),
        buried=bool(row["buried"]),
        leech=bool(leech_lapses) and row["lapses"] >= leech_lapses,
        due=row["due"],
        lapses=row["lapses"],
        reps=row["reps"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        tags=tuple((row["tags"] or "").split()),
        prompt=rendered_prompt(row["kind"], row["id"], row["data"]),
        file=row["file"],
    )


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


# -- a card's prompt, on one line ------------------------------------------------------------------

from quizapp.core.prompts import rendered_prompt  # noqa: E402  (used by the listings here)

# -- one card, and its history ---------------------------------------------------------------------


@dataclass(frozen=True)
class CardDetail:
    row: CardRow
    data: CardData
    """What the card shows (as the study screen's kinds read it)."""


def card_detail(db: QuizDatabase, settings: Settings, card_id: str, now: datetime) -> CardDetail | None:
    """The card with this id, or None if there is none."""
    row = next(
        db.query(f"select {_ROW_COLUMNS} from cards where id = :id", {"id": card_id, "now": now.timestamp()}),
        None,
    )
    if row is None:
        return None
    return CardDetail(_card_row(row, settings.leech_lapses), json.loads(row["data"]))


@dataclass(frozen=True)
class HistoryEntry:
    reviewed_at: float
    """Epoch seconds, UTC."""
    rating: int
    interval_days: float | None
    """How far ahead this answer scheduled the card."""
    stability: float | None
    """FSRS stability after the answer, in days."""
    state_before: int

    @property
    def grade(self) -> str:
        return GRADE_NAMES.get(self.rating, str(self.rating))

    def to_json(self) -> dict[str, Any]:
        return {
            "reviewed_at": _iso(self.reviewed_at),
            "grade": self.grade,
            "interval_days": self.interval_days,
            "stability": self.stability,
        }


def history(db: QuizDatabase, card_id: str) -> list[HistoryEntry]:
    """The card's answers, oldest first; undone ones are left out."""
    rows = db.execute(
        "select reviewed_at, rating, due, stability, state_before from reviews "
        "where card_id = ? and undone_at is null order by reviewed_at, id",
        [card_id],
    ).fetchall()
    return [
        HistoryEntry(
            at, rating, None if due is None else (due - at) / card_query.SECONDS_PER_DAY, stability, before
        )
        for at, rating, due, stability, before in rows
    ]


# -- actions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What an action did: the cards it changed, with the columns it overwrote (for `undo`)."""

    action: str
    before: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.before)


def suspend(db: QuizDatabase, card_ids: Sequence[str]) -> Change:
    """Take the cards out of study until they are unsuspended."""
    return _apply(db, "suspend", card_ids, {"suspended": 1}, "suspended = 0")


def unsuspend(db: QuizDatabase, card_ids: Sequence[str]) -> Change:
    return _apply(db, "unsuspend", card_ids, {"suspended": 0}, "suspended = 1")


def bury(db: QuizDatabase, settings: Settings, card_ids: Sequence[str], now: datetime) -> Change:
    """Hide the cards until the next study day starts."""
    _start, day_end = day_bounds(now, settings.day_starts_at_hour)
    return _apply(
        db, "bury", card_ids, {"buried_until": day_end}, "buried_until is null or buried_until < ?", [day_end]
    )


def unbury(db: QuizDatabase, card_ids: Sequence[str], now: datetime) -> Change:
    """Back into today's study (a burial that has ended already is left as it is)."""
    return _apply(db, "unbury", card_ids, {"buried_until": None}, "buried_until > ?", [now.timestamp()])


def forget(db: QuizDatabase, card_ids: Sequence[str]) -> Change:
    """Back to new: the scheduling columns reset (reps and lapses too); the review log keeps every answer."""
    reset = dict.fromkeys(_SCHEDULE) | {"state": 0, "reps": 0, "lapses": 0}
    return _apply(db, "forget", card_ids, reset, "state != 0 or reps != 0 or lapses != 0")


def undo(db: QuizDatabase, change: Change) -> int:
    """Write back what `change` overwrote; returns how many cards."""
    with write_transaction(db):
        for card_id, values in change.before.items():
            _set(db, card_id, values)
    return change.count


def _apply(
    db: QuizDatabase,
    action: str,
    card_ids: Sequence[str],
    values: dict[str, Any],
    differs: str,
    differs_params: Sequence[object] = (),
) -> Change:
    """Set `values` on the cards for which `differs` holds (the others already are so), in one transaction."""
    columns = ", ".join((*_SCHEDULE, *_FLAGS))
    before: dict[str, dict[str, Any]] = {}
    with write_transaction(db):
        for card_id in card_ids:
            row = next(
                db.query(
                    f"select {columns} from cards where id = ? and ({differs})", [card_id, *differs_params]
                ),
                None,
            )
            if row is None:
                continue
            before[card_id] = {column: row[column] for column in values}
            _set(db, card_id, values)
    return Change(action, before)


def _set(db: QuizDatabase, card_id: str, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    db.execute(f"update cards set {assignments} where id = :card_id", {**values, "card_id": card_id})


# -- editing the card's deck file ------------------------------------------------------------------


def edit_location(collection: Collection, card_id: str) -> tuple[Path, int]:
    """The deck file a card comes from and the line (1-based) where its note starts, as the file is now.

    The line is found in the file at the time of asking (it may have been edited since the last
    sync): the card whose `id:` is the card's note id; line 1 when the file no longer has it.

    Raises:
        LookupError: no card has this id.
    """
    row = collection.db.execute("select file, note_id from cards where id = ?", [card_id]).fetchone()
    if row is None:
        raise LookupError(f"no card {card_id!r}")
    path, note_id = Path(row[0]), row[1]
    return path, note_line(path, note_id)


def note_line(path: Path, note_id: str) -> int:
    """The line of the card `note_id` in the deck file at `path` (1 when not found)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 1
    from quizapp.core.yaml_source import YamlDocument

    document = YamlDocument(path, text)
    line = _line_in_tree(document, note_id)
    if line is not None:
        return line
    # The file does not parse now: the first `id: NOTE` written in it.
    pattern = re.compile(r"""^[\s-]*id:\s*['"]?""" + re.escape(note_id) + r"""['"]?\s*(#.*)?$""")
    for number, text_line in enumerate(text.splitlines(), start=1):
        if pattern.match(text_line):
            return number
    return 1


def _line_in_tree(document: YamlDocument, note_id: str) -> int | None:
    import yaml

    cards = document.locate(("cards",)) if document.root is not None else None
    if not isinstance(cards, yaml.SequenceNode):
        return None
    for item in cards.value:
        if not isinstance(item, yaml.MappingNode):
            continue
        for key, value in item.value:
            if getattr(key, "value", None) == "id" and getattr(value, "value", None) == note_id:
                return int(item.start_mark.line) + 1
    return None
