"""bug: spot the bug; read the code, say what is wrong, then compare with the explanation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from quizapp.core.kinds.base import Answer, Block, CardData, Code, Heading, Hint, Kind, Prose

if TYPE_CHECKING:
    from quizapp.core.kinds.fields import CardFields


class Bug(Kind):
    name = "bug"
    rendered_fields = ("question", "answer")

    def define_fields(self) -> type[CardFields]:
        from pydantic import Field

        from quizapp.core.kinds.fields import CardFields, Text

        class BugCard(CardFields):
            kind: Literal["bug"]
            code: Text
            question: str = "What is wrong with this code?"
            answer: Text
            fix: str | None = None
            line: int | None = Field(default=None, ge=1)
            """The line (1-based, within `code`) that holds the bug."""
            lang: str = "python"

        return BugCard

    def check(self, card: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        line, code = card.get("line"), card.get("code")
        if isinstance(line, int) and isinstance(code, str) and line > len(code.splitlines()):
            yield "line", f"line {line} is past the end of the code"

    def expand(self, card: Mapping[str, Any]) -> list[tuple[str, CardData]]:
        data = {key: card[key] for key in ("code", "question", "answer", "fix", "line", "lang")}
        return [(card["id"], data)]

    def prompt(self, data: CardData) -> str:
        return str(data["question"] or data["code"])

    def front(self, card_id: str, data: CardData) -> list[Block]:
        return [
            Prose(data["question"]),
            Code(data["code"], data["lang"]),
            Hint("Think it through, then press space."),
        ]

    def back(self, data: CardData, answer: Answer | None) -> list[Block]:
        blocks: list[Block] = []
        if data.get("line"):
            blocks.append(Code(data["code"], data["lang"], highlight_line=data["line"]))
        blocks.append(Prose(data["answer"]))
        if data.get("fix"):
            blocks += [Heading("Fixed:"), Code(data["fix"], data["lang"])]
        return blocks


KIND = Bug()
