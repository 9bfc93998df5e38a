"""The pydantic pieces every kind's deck-file model is built from. Imported only to parse a deck file."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]
Tag = Annotated[str, StringConstraints(pattern=r"^[^\s]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)


class CardFields(Strict):
    """The fields every card has; each kind adds `kind: Literal[...]` and its own."""

    id: Id
    """Stable across edits: the key of the card's review history. Never derive it from the text."""
    tags: list[Tag] = []
    source: str | None = None
    """Which note or topic the card comes from."""
