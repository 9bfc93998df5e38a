"""The case fields of the tabular references, without torch (the catalog reads them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from quizapp.exercises.params.base import CaseParams


class WineParams(CaseParams):
    rows: Annotated[int, Field(ge=1, le=200)]
    missing: bool = False
    """Some prices and some countries missing."""
    countries: list[str] = Field(default_factory=lambda: ["Italy", "France"])
    last_label: Annotated[int, Field(ge=0)] = 2
