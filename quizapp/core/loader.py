"""Deck files → validated study cards, with every problem reported as `file:line:col: message`.

What a card of each kind holds, checks and expands into is the kind's (`quizapp.core.kinds`); the
registry is imported only once a file has to be parsed, so an unchanged collection opens without it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.core.problem import Problem

if TYPE_CHECKING:
    from pydantic import ValidationError

    from quizapp.core.kinds import CardData
    from quizapp.core.yaml_source import YamlDocument

DECK_SUFFIXES = (".yaml", ".yml")
MAX_DECK_BYTES = 64 * 1024 * 1024
"""A bigger deck file is skipped, from its size alone: parsed and validated, YAML takes many times
its size in memory (a 50 MB deck of 110k cards: 670 MB, and 15 s to load)."""
MAX_CARDS_PER_FILE = 200_000
"""A deck file with more cards is skipped before its cards are validated (~0.15 ms each)."""


@dataclass
class CardContent:
    """What one schedulable card shows, made from a card in a deck file (a reverse card makes two):
    the content columns of its row in `cards`. Its scheduling state is the study session's."""

    id: str
    note_id: str
    deck: str
    kind: str
    data: CardData
    tags: list[str]
    file: str
    position: int

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "note_id": self.note_id,
            "deck": self.deck,
            "kind": self.kind,
            "data": json.dumps(self.data, ensure_ascii=False, sort_keys=True),
            "tags": " " + " ".join(self.tags) + " ",
            "file": self.file,
            "position": self.position,
            "present": 1,
        }


@dataclass
class DeckLoad:
    """The outcome of reading one deck file: its deck and cards, or the problems that stop it."""

    path: Path
    deck_id: str | None = None
    title: str = ""
    description: str = ""
    cards: list[CardContent] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    deck_line: int = 1
    note_lines: dict[str, int] = field(default_factory=dict)
    """Line of each card id in the file, for duplicate-id messages across files."""

    @property
    def ok(self) -> bool:
        return not self.problems


def find_deck_files(folders: Iterable[Path]) -> list[Path]:
    """Every deck file under `folders`, skipping `exercises/` (a different format) and dot-folders."""
    files: list[Path] = []
    for folder in folders:
        if folder.is_file():
            files.append(folder)
            continue
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).parts
            hidden = any(part.startswith(".") for part in relative)
            if (
                path.suffix in DECK_SUFFIXES
                and path.is_file()
                and "exercises" not in relative[:-1]
                and not hidden
            ):
                files.append(path)
    return files


_reads = threading.local()


@contextmanager
def reporting_reads(report: Callable[[Path], None]) -> Iterator[None]:
    """Within the block, call `report(path)` each time this thread has read a deck file.

    For a progress count while `sync_content` reads the changed files (it takes no callback of
    its own); an exception raised by `report` stops the reading, before anything is stored.
    """
    _reads.report = report
    try:
        yield
    finally:
        _reads.report = None


def load_deck_file(path: Path, *, check_formulas: bool = False) -> DeckLoad:
    """Read one deck file; `check_formulas` (for `quizapp validate`) also renders every formula."""
    result = _load_deck_file(path, check_formulas)
    report = getattr(_reads, "report", None)
    if report is not None:
        report(path)
    return result


def _load_deck_file(path: Path, check_formulas: bool) -> DeckLoad:
    from quizapp.core.yaml_source import YamlDocument, read_capped

    result = DeckLoad(path)
    text = read_capped(path, MAX_DECK_BYTES, "a deck file")
    if isinstance(text, Problem):
        result.problems.append(text)
        return result

    document = YamlDocument(path, text)
    result.problems.extend(document.problems)
    if document.root is None and not result.problems:
        result.problems.append(
            Problem(str(path), 1, 1, "empty file: a deck file needs quizapp, deck and cards")
        )
    if document.data is None:
        return result
    if not isinstance(document.data, dict):
        result.problems.append(
            Problem(str(path), 1, 1, "a deck file is a mapping with keys quizapp, deck and cards")
        )
        return result
    cards = document.data.get("cards")
    if isinstance(cards, list) and len(cards) > MAX_CARDS_PER_FILE:
        result.problems.append(
            document.problem(
                ("cards",),
                f"{len(cards):,} cards, more than the {MAX_CARDS_PER_FILE:,} a deck file may hold; "
                "split it into several files",
            )
        )
        return result
    from pydantic import ValidationError

    from quizapp.core.deck_format import DeckFile
    from quizapp.core.kinds import KINDS

    deck_file = None
    try:
        deck_file = DeckFile.model_validate(document.data)
    except ValidationError as error:
        result.problems.extend(_pydantic_problems(document, error))
    result.problems.extend(_semantic_problems(document, document.data))
    if check_formulas:
        result.problems.extend(_formula_problems(document, document.data))
    if result.problems or deck_file is None:
        result.problems.sort()
        return result
    result.deck_id = deck_file.deck.id
    result.deck_line = document.locate(("deck", "id")).start_mark.line + 1
    result.title = deck_file.deck.title
    result.description = deck_file.deck.description
    for index, card in enumerate(deck_file.cards):
        result.note_lines[card.id] = document.locate(("cards", index)).start_mark.line + 1
        tags = list(dict.fromkeys([*deck_file.deck.tags, *card.tags]))
        source = card.source or deck_file.deck.source
        kind = card.kind  # type: ignore[attr-defined]  # each kind's model declares it
        # vars(): the validated fields as the model holds them, without copying them out.
        for sub, (card_id, data) in enumerate(KINDS[kind].expand(vars(card))):
            data["source"] = source
            result.cards.append(
                CardContent(
                    card_id, card.id, deck_file.deck.id, kind, data, tags, str(path), index * 100 + sub
                )
            )
    return result


def _pydantic_problems(document: YamlDocument, error: ValidationError) -> list[Problem]:
    from quizapp.core.kinds import KINDS
    from quizapp.core.yaml_source import pydantic_problems

    kinds = KINDS.keys()

    def rewrite(item: dict[str, Any]) -> tuple[tuple[str | int, ...], str] | None:
        loc = item["loc"]
        if item["type"] == "union_tag_invalid":
            return (
                *loc,
                "kind",
            ), f"unknown kind {item['input'].get('kind')!r}; expected one of {', '.join(kinds)}"
        if item["type"] == "union_tag_not_found":
            return loc, f"missing field 'kind' (one of {', '.join(kinds)})"
        if item["type"] == "string_pattern_mismatch" and loc[-1] == "id":
            return loc, (
                "an id is 2–64 characters: lowercase letters, digits, '.', '_' or '-', starting with "
                "a letter or digit"
            )
        return None

    # A discriminated union puts the tag in the path: ('cards', 3, 'basic', 'front').
    items = [
        {**item, "loc": tuple(part for i, part in enumerate(item["loc"]) if not (i == 2 and part in kinds))}
        for item in error.errors(include_url=False)
    ]
    return pydantic_problems(document, items, rewrite)


def _semantic_problems(document: YamlDocument, data: dict[str, Any]) -> list[Problem]:
    """Checks across fields and cards, on the raw data so they run even when the schema fails."""
    from quizapp.core.kinds import KINDS

    problems: list[Problem] = []
    cards = data.get("cards")
    if not isinstance(cards, list):
        return problems
    seen: dict[str, int] = {}
    for index, card in enumerate(cards):
        if not isinstance(card, dict):
            continue
        at = ("cards", index)
        card_id, kind = card.get("id"), KINDS.get(str(card.get("kind")))
        if isinstance(card_id, str):
            if card_id in seen:
                problems.append(
                    document.problem(
                        (*at, "id"), f"duplicate card id {card_id!r} (first at line {seen[card_id]})"
                    )
                )
            else:
                seen[card_id] = document.locate(at).start_mark.line + 1
        if kind is not None:
            problems.extend(document.problem((*at, field), message) for field, message in kind.check(card))
    return problems


def _formula_problems(document: YamlDocument, data: dict[str, Any]) -> list[Problem]:
    """A problem for each formula that would not render cleanly on the study screen."""
    from quizapp.core.kinds import KINDS
    from quizapp.core.latex import text_math_problems

    problems: list[Problem] = []
    cards = data.get("cards")
    for index, card in enumerate(cards if isinstance(cards, list) else []):
        kind = KINDS.get(str(card.get("kind"))) if isinstance(card, dict) else None
        if kind is None:
            continue
        for field_name in kind.rendered_fields:
            values = card.get(field_name)
            for position, value in enumerate(values if isinstance(values, list) else [values]):
                if not isinstance(value, str):
                    continue
                at = (
                    ("cards", index, field_name, position)
                    if isinstance(values, list)
                    else ("cards", index, field_name)
                )
                messages = [
                    m for text in kind.rendered_texts(field_name, value) for m in text_math_problems(text)
                ]
                problems.extend(document.problem(at, message) for message in dict.fromkeys(messages))
    return problems


def cross_file_problems(loads: list[DeckLoad], known_ids: dict[str, tuple[str, str]]) -> None:
    """Mark files that reuse a deck or card id owned by another file; they are skipped.

    Args:
        loads: freshly read files, in load order; a later file loses a clash.
        known_ids: ids owned by files that were not re-read: id → (file, deck), from the database.
    """
    owner_of_card = {note: file for note, (file, _deck) in known_ids.items()}
    owner_of_deck = {deck: file for _note, (file, deck) in known_ids.items()}
    for load in loads:
        if not load.ok:
            continue
        file = str(load.path)
        clashes = []
        owner = owner_of_deck.get(load.deck_id)  # type: ignore[arg-type]
        if owner not in (None, file):
            clashes.append(
                Problem(file, load.deck_line, 1, f"deck id {load.deck_id!r} is already used by {owner}")
            )
        for note, line in load.note_lines.items():
            owner = owner_of_card.get(note)
            if owner not in (None, file):
                clashes.append(Problem(file, line, 3, f"duplicate card id {note!r}: already used in {owner}"))
        if clashes:
            load.problems.extend(clashes)
            load.cards.clear()
            continue
        owner_of_deck[load.deck_id] = file  # type: ignore[index]
        for note in load.note_lines:
            owner_of_card[note] = file
