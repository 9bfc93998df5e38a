"""Cloze deletions `{{c1::answer}}` / `{{c1::answer::hint}}`, read with a brace-balancing scanner.

A regex would stop at the first `}}`, which LaTeX such as `$x_{i_{j}}$` inside a deletion contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r"\{\{c(\d+)::")


@dataclass(frozen=True)
class Deletion:
    number: int
    answer: str
    hint: str | None
    start: int
    end: int  # one past the closing "}}"


class ClozeError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def parse(text: str) -> list[Deletion]:
    """Every deletion in `text`, in order. Raises ClozeError on an unterminated one."""
    deletions: list[Deletion] = []
    position = 0
    while (match := _OPEN.search(text, position)) is not None:
        body_start = match.end()
        depth = 0
        index = body_start
        while True:
            if index >= len(text):
                raise ClozeError(f"cloze {{{{c{match.group(1)}::…}}}} is never closed", match.start())
            char = text[index]
            if char == "{":
                depth += 1
            elif char == "}":
                if depth == 0 and text.startswith("}}", index):
                    break
                depth = max(depth - 1, 0)
            index += 1
        answer, hint = _split_hint(text[body_start:index])
        deletions.append(Deletion(int(match.group(1)), answer, hint, match.start(), index + 2))
        position = index + 2
    return deletions


def _split_hint(body: str) -> tuple[str, str | None]:
    depth = 0
    for index, char in enumerate(body):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and body.startswith("::", index):
            return body[:index], body[index + 2 :]
    return body, None


def numbers(text: str) -> list[int]:
    """The distinct cloze numbers in `text`, ascending: one study card each."""
    return sorted({d.number for d in parse(text)})


def render(text: str, hide: int, *, revealed: bool, mark: tuple[str, str] = ("[", "]")) -> str:
    """The text with deletion `hide` blanked (or its answer marked when revealed); others shown."""
    out: list[str] = []
    position = 0
    left, right = mark
    for deletion in parse(text):
        out.append(text[position : deletion.start])
        if deletion.number != hide:
            out.append(deletion.answer)
        elif revealed:
            out.append(f"{left}{deletion.answer}{right}")
        else:
            out.append(f"{left}{deletion.hint or '…'}{right}")
        position = deletion.end
    out.append(text[position:])
    return "".join(out)
