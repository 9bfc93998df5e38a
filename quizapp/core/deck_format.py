"""The deck file format, as pydantic models. Imported only when a deck file has to be parsed.

```yaml
quizapp: 1
deck: {id: cnn-basics, title: CNN building blocks}
cards:
  - id: conv-output-size
    kind: basic | reverse | cloze | choice | type | bug | output
    ...
```
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

FORMAT_VERSION = 1
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)


class _Card(_Strict):
    id: Id
    """Stable across edits: the key of the card's review history. Never derive it from the text."""
    tags: list[Annotated[str, StringConstraints(pattern=r"^[^\s]+$")]] = []
    source: str | None = None
    """Which note or topic the card comes from."""


class BasicCard(_Card):
    kind: Literal["basic"]
    front: Text
    back: Text


class ReverseCard(_Card):
    """Studied both ways: front → back, and back → front."""

    kind: Literal["reverse"]
    front: Text
    back: Text


class ClozeCard(_Card):
    """`{{c1::hidden}}` deletions; each number is studied as its own card."""

    kind: Literal["cloze"]
    text: Text
    extra: str | None = None


class ChoiceCard(_Card):
    kind: Literal["choice"]
    question: Text
    options: list[Text] = Field(min_length=2, max_length=9)
    answer: Text
    """The right option, written exactly as in `options`."""
    explain: str | None = None


class TypeCard(_Card):
    """Type the answer; matched after normalising whitespace, quotes and trailing semicolons."""

    kind: Literal["type"]
    question: Text
    answer: Text
    accept: list[Text] = []
    """Other spellings that count as right."""
    case_sensitive: bool = True
    explain: str | None = None


class BugCard(_Card):
    """Spot the bug: read the code, say what is wrong, then compare with the explanation."""

    kind: Literal["bug"]
    code: Text
    question: str = "What is wrong with this code?"
    answer: Text
    fix: str | None = None
    line: int | None = Field(default=None, ge=1)
    """The line (1-based, within `code`) that holds the bug."""
    lang: str = "python"


class OutputCard(_Card):
    """What does this print? The learner types the output."""

    kind: Literal["output"]
    code: Text
    output: str
    explain: str | None = None
    lang: str = "python"


AnyCard = Annotated[
    BasicCard | ReverseCard | ClozeCard | ChoiceCard | TypeCard | BugCard | OutputCard,
    Field(discriminator="kind"),
]


class DeckInfo(_Strict):
    id: Id
    title: Text
    description: str = ""
    tags: list[str] = []
    source: str | None = None


class DeckFile(_Strict):
    quizapp: Literal[1]
    """Format version of the file."""
    deck: DeckInfo
    cards: list[AnyCard]
