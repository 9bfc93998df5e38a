"""The deck file format, as pydantic models. Imported only when a deck file has to be parsed.

```yaml
quizapp: 1
deck: {id: cnn-basics, title: CNN building blocks}
cards:
  - id: conv-output-size
    kind: basic | reverse | cloze | choice | type | bug | output
    ...
```

Each card kind declares its own fields (`quizapp.core.kinds`); a card is one of them, told apart
by `kind`.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from quizapp.core.kinds import KINDS
from quizapp.core.kinds.fields import ID_PATTERN, CardFields, Id, Strict, Text

__all__ = ["ID_PATTERN", "AnyCard", "CardFields", "DeckFile", "DeckInfo", "Id", "Text"]

if TYPE_CHECKING:
    AnyCard = CardFields
else:
    # A union built from the registry: pydantic picks the model by the card's `kind`.
    AnyCard = Annotated[
        reduce(operator.or_, (kind.fields for kind in KINDS.values())), Field(discriminator="kind")
    ]


class DeckInfo(Strict):
    id: Id
    title: Text
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    source: str | None = None


class DeckFile(Strict):
    quizapp: Literal[1]
    """Format version of the file."""
    deck: DeckInfo
    cards: list[AnyCard]
