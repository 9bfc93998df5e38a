"""An Anki collection as quizapp deck files: one deck file per Anki deck holding notes, one card per
note, ids derived from Anki's note ids so that importing again updates instead of duplicating.

Ids: a note becomes the card `anki-<note id>`; its Anki cards become the study cards quizapp's kinds
name: ordinal 0 of a basic/type note is `anki-<nid>`, a reversed card `anki-<nid>#rev`, cloze
ordinal n `anki-<nid>#c<n+1>`. A note whose cards lie in several decks goes to its first card's deck.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from quizapp.core import cloze
from quizapp.core.anki import html
from quizapp.core.anki.notetypes import Shape, shape_of
from quizapp.core.anki.reader import AnkiCollection, Note
from quizapp.core.kinds.fields import ID_PATTERN

NOTE_PREFIX = "anki-"
EXPORTED_GUID = "quizapp:"
"""The guid `quizapp export` gives a note of quizapp's own, followed by its id."""
MEDIA_KIND = {"image": "image", "sound": "sound", "video": "video", "media": "media"}
_TAG_JUNK = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


@dataclass
class DeckPlan:
    anki_id: int
    deck_id: str
    title: str
    cards: list[dict[str, Any]] = field(default_factory=list)
    """The deck file's cards, as written."""

    @property
    def file_name(self) -> str:
        return f"{self.deck_id}.yaml"


@dataclass
class Conversion:
    decks: list[DeckPlan] = field(default_factory=list)
    card_ids: dict[int, str] = field(default_factory=dict)
    """Anki card id → quizapp study card id, for every card that was imported."""
    card_decks: dict[int, str] = field(default_factory=dict)
    """Anki card id → the quizapp deck id it went to."""
    skipped_notes: Counter[str] = field(default_factory=Counter)
    """`note type: why` → how many notes."""
    skipped_cards: int = 0
    """Cards of imported notes with nothing to show in quizapp (an empty cloze, a reverse not asked for)."""
    media: set[str] = field(default_factory=set)
    """Media file names the imported cards refer to."""

    @property
    def notes(self) -> int:
        return sum(len(deck.cards) for deck in self.decks)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def deck_ids(collection: AnkiCollection, used: list[int], prefix: str) -> dict[int, str]:
    """A quizapp deck id for each Anki deck in `used`: `<prefix>-<name>`, with the Anki deck id
    added where the name does not survive as ASCII (`深度学习`) or two names would meet."""
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for anki_id in sorted(used):
        name = collection.decks.get(anki_id, f"deck {anki_id}")
        words = slug(name.replace("::", " "))
        lossless = bool(words) and name.isascii()
        candidate = f"{prefix}-{words}" if words else prefix
        if not lossless or candidate in taken:
            candidate = f"{candidate}-{anki_id}"
        candidate = candidate[:64].rstrip("-._")
        if len(candidate) < 2 or candidate in taken:
            candidate = f"{prefix}-{anki_id}"[:64]
        ids[anki_id] = candidate
        taken.add(candidate)
    return ids


def convert(
    collection: AnkiCollection, *, prefix: str = "anki", title_prefix: str | None = None, media_folder: str
) -> Conversion:
    """Every note of a type quizapp maps, as a deck-file card, grouped into decks.

    Args:
        prefix: starts every deck id (slugged).
        title_prefix: put before every deck title (`P::Deck`), if given.
        media_folder: where the media files will be, relative to the deck files (for placeholders).
    """
    result = Conversion()
    shapes = {ntid: shape_of(notetype) for ntid, notetype in collection.notetypes.items()}
    cards_of: dict[int, list] = {}
    for card in collection.cards:
        cards_of.setdefault(card.note, []).append(card)
    planned: list[tuple[int, Note, Shape]] = []
    for note in collection.notes:
        notetype = collection.notetypes.get(note.notetype)
        shape = shapes.get(note.notetype)
        cards = sorted(cards_of.get(note.id, []), key=lambda c: c.ord)
        if notetype is None or not isinstance(shape, Shape):
            name = notetype.name if notetype is not None else f"note type {note.notetype}"
            reason = shape if isinstance(shape, str) else "its note type is missing from the collection"
            result.skipped_notes[f"{name}: {reason}"] += 1
            continue
        if not cards:
            result.skipped_notes[f"{notetype.name}: a note without cards"] += 1
            continue
        planned.append((cards[0].deck, note, shape))
    ids = deck_ids(collection, sorted({deck for deck, _note, _shape in planned}), slug(prefix) or "anki")
    plans: dict[int, DeckPlan] = {}
    for anki_deck, note, shape in planned:
        notetype = collection.notetypes[note.notetype]

        def placeholder(kind: str, name: str) -> str:
            from quizapp.core.anki.package import safe_media_name

            safe = safe_media_name(name)
            if safe is None:
                return f"[{kind}]"
            result.media.add(safe)
            return f"[{kind}: {media_folder}/{safe}]"

        entry = _card(note, shape, placeholder)
        if isinstance(entry, str):
            result.skipped_notes[f"{notetype.name}: {entry}"] += 1
            continue
        plan = plans.get(anki_deck)
        if plan is None:
            title = collection.decks.get(anki_deck, f"Anki deck {anki_deck}")
            title = " ".join(html.clean(title).split()) or f"Anki deck {anki_deck}"
            plan = plans[anki_deck] = DeckPlan(
                anki_deck, ids[anki_deck], f"{title_prefix}::{title}" if title_prefix else title
            )
        plan.cards.append(entry)
        study_ids = _study_ids(entry)
        for card in cards_of[note.id]:
            study_id = _study_id(entry, shape, card.ord)
            if study_id in study_ids:
                result.card_ids[card.id] = study_id
                result.card_decks[card.id] = plan.deck_id
            else:
                result.skipped_cards += 1
    result.decks = sorted(plans.values(), key=lambda p: p.deck_id)
    return result


def note_card_id(note: Note) -> str:
    """`anki-<note id>`; a note quizapp exported (guid `quizapp:<id>`) gets its own id back."""
    if note.guid.startswith(EXPORTED_GUID):
        own = note.guid[len(EXPORTED_GUID) :]
        if re.fullmatch(ID_PATTERN.strip("^$"), own):
            return own
    return f"{NOTE_PREFIX}{note.id}"


def _field(note: Note, position: int | None) -> str:
    if position is None or position < 0 or position >= len(note.fields):
        return ""
    return note.fields[position]


def _card(note: Note, shape: Shape, placeholder: Any) -> dict[str, Any] | str:
    """The deck-file card for `note`, or why it cannot be one."""
    card: dict[str, Any] = {"id": note_card_id(note)}

    def text(position: int | None) -> str:
        return html.to_text(_field(note, position), placeholder)

    if shape.kind == "cloze":
        body = text(shape.front)
        try:
            if not cloze.parse(body):
                return "a cloze note without a {{c1::…}} blank"
        except cloze.ClozeError as error:
            return f"its cloze text cannot be read ({error})"
        card.update(kind="cloze", text=body)
        extra = text(shape.extra)
        if extra:
            card["extra"] = extra
    else:
        front, back = text(shape.front), text(shape.back)
        if not front:
            return "an empty front"
        if shape.kind == "type":
            answer = html.plain(_field(note, shape.back))
            if not answer:
                return "a type-in note without an answer"
            card.update(kind="type", question=front, answer=answer)
        else:
            reverse = shape.kind == "reverse" or (
                shape.kind == "optional_reverse" and html.plain(_field(note, shape.add_reverse)) != ""
            )
            if reverse and not back:
                return "a reversed note with an empty back"
            card.update(kind="reverse" if reverse else "basic", front=front, back=back or "(empty in Anki)")
    tags = [_TAG_JUNK.sub("", tag) for tag in note.tags]
    tags = list(dict.fromkeys(tag for tag in tags if tag))
    if tags:
        card["tags"] = tags
    card["source"] = f"anki note {_TAG_JUNK.sub('', note.guid)}"
    return card


def _study_id(entry: dict[str, Any], shape: Shape, ordinal: int) -> str:
    if shape.kind == "cloze":
        return f"{entry['id']}#c{ordinal + 1}"
    return entry["id"] if ordinal == 0 else f"{entry['id']}#rev"


def _study_ids(entry: dict[str, Any]) -> set[str]:
    if entry["kind"] == "cloze":
        return {f"{entry['id']}#c{n}" for n in cloze.numbers(entry["text"])}
    if entry["kind"] == "reverse":
        return {entry["id"], f"{entry['id']}#rev"}
    return {entry["id"]}
