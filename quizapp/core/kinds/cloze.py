"""cloze: `{{c1::hidden}}` deletions in one text; each number is studied as its own card (`<id>#c1`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from quizapp.core import cloze
from quizapp.core.kinds.base import Answer, Block, CardData, Kind, Prose

if TYPE_CHECKING:
    from quizapp.core.kinds.fields import CardFields


class Cloze(Kind):
    name = "cloze"
    rendered_fields = ("text", "extra")

    def define_fields(self) -> type[CardFields]:
        from quizapp.core.kinds.fields import CardFields, Text

        class ClozeCard(CardFields):
            kind: Literal["cloze"]
            text: Text
            extra: str | None = None

        return ClozeCard

    def check(self, card: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        if not isinstance(card.get("text"), str):
            return
        try:
            if not cloze.parse(card["text"]):
                yield "text", "cloze text has no {{c1::…}} blank"
        except cloze.ClozeError as error:
            yield "text", str(error)

    def expand(self, card: Mapping[str, Any]) -> list[tuple[str, CardData]]:
        return [
            (f"{card['id']}#c{n}", {"text": card["text"], "cloze": n, "extra": card["extra"]})
            for n in cloze.numbers(card["text"])
        ]

    def rendered_texts(self, field: str, value: str) -> list[str]:
        if field != "text":
            return [value]
        try:
            numbers = cloze.numbers(value)
        except cloze.ClozeError:
            return []
        return [cloze.render(value, n, revealed=revealed) for n in numbers for revealed in (False, True)]

    def prompt(self, data: CardData) -> str:
        return str(data["text"])

    def front(self, card_id: str, data: CardData) -> list[Block]:
        return [Prose(cloze.render(data["text"], data["cloze"], revealed=False))]

    def back(self, data: CardData, answer: Answer | None) -> list[Block]:
        blocks: list[Block] = [Prose(cloze.render(data["text"], data["cloze"], revealed=True))]
        if data.get("extra"):
            blocks.append(Prose(data["extra"], muted=True))
        return blocks


KIND = Cloze()
