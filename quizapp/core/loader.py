"""Deck files → validated study cards, with every problem reported as `file:line:col: message`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp.core import cloze
from quizapp.core.problem import Problem

if TYPE_CHECKING:
    from quizapp.core.yaml_source import YamlDocument

DECK_SUFFIXES = (".yaml", ".yml")


@dataclass
class StudyCard:
    """One schedulable thing made from a card in a deck file (a reverse card makes two)."""

    id: str
    note_id: str
    deck: str
    kind: str
    data: dict
    tags: list[str]
    file: str
    position: int

    def row(self) -> dict:
        data = json.dumps(self.data, ensure_ascii=False, sort_keys=True)
        return {
            "id": self.id,
            "note_id": self.note_id,
            "deck": self.deck,
            "kind": self.kind,
            "data": data,
            "tags": " " + " ".join(self.tags) + " ",
            "file": self.file,
            "position": self.position,
            "present": 1,
            "content_hash": hashlib.sha1(data.encode()).hexdigest(),
        }


@dataclass
class DeckLoad:
    """The outcome of reading one deck file: its deck and cards, or the problems that stop it."""

    path: Path
    deck_id: str | None = None
    title: str = ""
    description: str = ""
    cards: list[StudyCard] = field(default_factory=list)
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


def load_deck_file(path: Path, *, check_formulas: bool = False) -> DeckLoad:
    """Read one deck file; `check_formulas` (for `quizapp validate`) also renders every formula."""
    result = DeckLoad(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        result.problems.append(
            Problem(str(path), 1, 1, f"not UTF-8 text: {error.reason} at byte {error.start}")
        )
        return result
    except OSError as error:
        result.problems.append(Problem(str(path), 1, 1, f"cannot read: {error.strerror}"))
        return result
    from quizapp.core.yaml_source import YamlDocument

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
    from pydantic import ValidationError

    from quizapp.core.deck_format import DeckFile

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
        for sub, (card_id, data) in enumerate(_expand(card)):
            data["source"] = source
            result.cards.append(
                StudyCard(
                    card_id, card.id, deck_file.deck.id, card.kind, data, tags, str(path), index * 100 + sub
                )
            )
    return result


def _expand(card) -> list[tuple[str, dict]]:
    """The study cards one deck-file card turns into, with what the study screen needs to show."""
    if card.kind == "basic":
        return [(card.id, {"front": card.front, "back": card.back})]
    if card.kind == "reverse":
        return [
            (card.id, {"front": card.front, "back": card.back}),
            (f"{card.id}#rev", {"front": card.back, "back": card.front, "reversed": True}),
        ]
    if card.kind == "cloze":
        return [
            (f"{card.id}#c{n}", {"text": card.text, "cloze": n, "extra": card.extra})
            for n in cloze.numbers(card.text)
        ]
    if card.kind == "choice":
        return [
            (
                card.id,
                {
                    "question": card.question,
                    "options": card.options,
                    "answer": card.answer,
                    "explain": card.explain,
                },
            )
        ]
    if card.kind == "type":
        return [
            (
                card.id,
                {
                    "question": card.question,
                    "answers": [card.answer, *card.accept],
                    "case_sensitive": card.case_sensitive,
                    "explain": card.explain,
                },
            )
        ]
    if card.kind == "bug":
        return [
            (
                card.id,
                {
                    "code": card.code,
                    "question": card.question,
                    "answer": card.answer,
                    "fix": card.fix,
                    "line": card.line,
                    "lang": card.lang,
                },
            )
        ]
    return [(card.id, {"code": card.code, "output": card.output, "explain": card.explain, "lang": card.lang})]


def _pydantic_problems(document: YamlDocument, error) -> list[Problem]:
    from quizapp.core.yaml_source import pydantic_problems

    kinds = {"basic", "reverse", "cloze", "choice", "type", "bug", "output"}

    def rewrite(item: dict) -> tuple[tuple, str] | None:
        loc = item["loc"]
        if item["type"] == "union_tag_invalid":
            return (
                *loc,
                "kind",
            ), f"unknown kind {item['input'].get('kind')!r}; expected one of {', '.join(sorted(kinds))}"
        if item["type"] == "union_tag_not_found":
            return loc, f"missing field 'kind' (one of {', '.join(sorted(kinds))})"
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


def _semantic_problems(document: YamlDocument, data: dict) -> list[Problem]:
    """Checks across fields and cards, on the raw data so they run even when the schema fails."""
    problems = []
    cards = data.get("cards")
    if not isinstance(cards, list):
        return problems
    seen: dict[str, int] = {}
    for index, card in enumerate(cards):
        if not isinstance(card, dict):
            continue
        at = ("cards", index)
        card_id, kind = card.get("id"), card.get("kind")
        if isinstance(card_id, str):
            if card_id in seen:
                problems.append(
                    document.problem(
                        (*at, "id"), f"duplicate card id {card_id!r} (first at line {seen[card_id]})"
                    )
                )
            else:
                seen[card_id] = document.locate(at).start_mark.line + 1
        if kind == "cloze" and isinstance(card.get("text"), str):
            try:
                if not cloze.parse(card["text"]):
                    problems.append(document.problem((*at, "text"), "cloze text has no {{c1::…}} blank"))
            except cloze.ClozeError as error:
                problems.append(document.problem((*at, "text"), str(error)))
        elif kind == "choice" and isinstance(card.get("options"), list) and card.get("answer") is not None:
            right = sum(str(option) == str(card["answer"]) for option in card["options"])
            if right != 1:
                problems.append(
                    document.problem(
                        (*at, "answer"),
                        "answer matches none of the options; write the right option exactly"
                        if right == 0
                        else f"answer matches {right} options; exactly one must be right",
                    )
                )
        elif (
            kind == "bug"
            and isinstance(card.get("line"), int)
            and isinstance(card.get("code"), str)
            and card["line"] > len(card["code"].splitlines())
        ):
            problems.append(
                document.problem((*at, "line"), f"line {card['line']} is past the end of the code")
            )
    return problems


# The fields the study screen renders as Markdown with formulas, per card kind (type answers are code).
RENDERED_FIELDS = {
    "basic": ("front", "back"),
    "reverse": ("front", "back"),
    "cloze": ("text", "extra"),
    "choice": ("question", "options", "answer", "explain"),
    "type": ("question", "explain"),
    "bug": ("question", "answer"),
    "output": ("explain",),
}


def rendered_texts(kind: str, field_name: str, value: str) -> list[str]:
    """The texts a field is shown as: a cloze text once per blank number, hidden and revealed."""
    if kind != "cloze" or field_name != "text":
        return [value]
    try:
        numbers = cloze.numbers(value)
    except cloze.ClozeError:
        return []
    return [cloze.render(value, n, revealed=revealed) for n in numbers for revealed in (False, True)]


def _formula_problems(document: YamlDocument, data: dict) -> list[Problem]:
    """A problem for each formula that would not render cleanly on the study screen."""
    from quizapp.core.latex import text_math_problems

    problems = []
    cards = data.get("cards")
    for index, card in enumerate(cards if isinstance(cards, list) else []):
        if not isinstance(card, dict):
            continue
        for field_name in RENDERED_FIELDS.get(card.get("kind"), ()):
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
                    m
                    for text in rendered_texts(card["kind"], field_name, value)
                    for m in text_math_problems(text)
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
