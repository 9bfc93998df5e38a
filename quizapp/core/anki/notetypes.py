"""Which quizapp kind an Anki note type is, told by its structure, not its name.

Names are localised ("Einfach", "基础") and cloned types get suffixes ("Basic-8f3a2"), so a type is
recognised by what its templates do:

| Anki stock type | templates (question → answer) | quizapp kind |
| --- | --- | --- |
| Basic | `{{F}}` → `{{FrontSide}} … {{B}}` | basic |
| Basic (and reversed card) | that, and `{{B}}` → `{{FrontSide}} … {{F}}` | reverse |
| Basic (optional reversed card) | that, the second inside `{{#R}}…{{/R}}` | reverse when R is filled, else basic |
| Basic (type in the answer) | `{{F}} {{type:B}}` → `{{FrontSide}} … {{B}}` | type |
| Cloze (kind 1) | `{{cloze:T}}` → `{{cloze:T}} … {{E}}` | cloze, E its extra |

Anything else (Image Occlusion, a learner's own design) is skipped and listed, never guessed.
HTML and text around the field references do not matter: they are styling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quizapp.core.anki.reader import NoteType

IMAGE_OCCLUSION = 6
_TAG = re.compile(r"\{\{([^{}]*)\}\}")


@dataclass(frozen=True)
class Shape:
    """How a note type's fields make a quizapp card; field positions in the note."""

    kind: str
    """basic, reverse, optional_reverse, type or cloze."""
    front: int = 0
    back: int = 1
    add_reverse: int | None = None
    """optional_reverse: the field that, when filled, makes the reversed card."""
    extra: int | None = None
    """cloze: the field shown under the answer."""


def _refs(template: str) -> list[str]:
    return [tag.strip() for tag in _TAG.findall(template)]


def shape_of(notetype: NoteType) -> Shape | str:
    """The note type's shape, or why it is skipped (one short phrase)."""
    index = {name: position for position, name in enumerate(notetype.fields)}
    if notetype.stock_kind == IMAGE_OCCLUSION or any(
        "image-occlusion" in q + a for q, a in notetype.templates
    ):
        return "Image Occlusion cannot be studied in a terminal"
    if notetype.cloze:
        return _cloze_shape(notetype, index)
    if len(notetype.templates) == 1:
        shape = _one_way(*notetype.templates[0], index)
        if shape is not None:
            return shape
    if len(notetype.templates) == 2:
        first = _one_way(*notetype.templates[0], index)
        if first is not None and first.kind == "basic":
            kind, add_reverse = _other_way(*notetype.templates[1], index, first)
            if kind is not None:
                return Shape(kind, first.front, first.back, add_reverse)
    return "a note type of its own design (quizapp maps Anki's Basic, reversed, type-in and Cloze types)"


def _one_way(question: str, answer: str, index: dict[str, int]) -> Shape | None:
    q = _refs(question)
    a = [ref for ref in _refs(answer) if ref != "FrontSide"]
    if len(q) == 1 and q[0] in index and len(a) == 1 and a[0] in index and a[0] != q[0]:
        return Shape("basic", index[q[0]], index[a[0]])
    if (
        len(q) == 2
        and q[0] in index
        and q[1].startswith("type:")
        and q[1][5:] in index
        and q[1][5:] != q[0]
        and all(ref in (q[0], q[1][5:], q[1]) for ref in a)
    ):
        return Shape("type", index[q[0]], index[q[1][5:]])
    return None


def _other_way(
    question: str, answer: str, index: dict[str, int], first: Shape
) -> tuple[str | None, int | None]:
    names = {position: name for name, position in index.items()}
    front, back = names[first.front], names[first.back]
    q = _refs(question)
    a = [ref for ref in _refs(answer) if ref != "FrontSide"]
    if a != [front]:
        return None, None
    if q == [back]:
        return "reverse", None
    if len(q) == 3 and q[1] == back and q[0].startswith("#") and q[2] == "/" + q[0][1:] and q[0][1:] in index:
        return "optional_reverse", index[q[0][1:]]
    return None, None


def _cloze_shape(notetype: NoteType, index: dict[str, int]) -> Shape | str:
    if len(notetype.templates) != 1:
        return "a cloze note type with several templates"
    question, answer = notetype.templates[0]
    clozes = [ref[6:] for ref in _refs(question) if ref.startswith("cloze:")]
    if len(clozes) != 1 or clozes[0] not in index:
        return "a cloze note type whose template is not one {{cloze:…}} field"
    text = clozes[0]
    others = [
        ref for ref in _refs(answer) if ref in index and ref != text and not ref.startswith(("#", "/", "^"))
    ]
    extra = index[others[0]] if others else None
    return Shape("cloze", front=index[text], back=-1, extra=extra)
