"""An exercise as the rest of quizapp reads it: plain frozen dataclasses, no pydantic.

An exercise file is validated once by the pydantic models of `exercise_format` and `params`; what
passes becomes these. The catalog cache rebuilds them from JSON without importing pydantic, so a
first check in a fresh process does not wait for the validators to be built.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

TOPICS = ("pooling", "conv", "norms", "losses", "optimisation", "boxes", "images", "sequence", "tabular")
"""The suggested path, in order (see quizapp/exercises/path.py)."""


@dataclass(frozen=True)
class Forbidden:
    name: str
    """A module (`torch`, `scipy.signal`) or a function (`max_pool2d`, `np.lib.stride_tricks.as_strided`)."""
    why: str


@dataclass(frozen=True)
class Limits:
    cpu_s: int = 10
    wall_s: int = 20
    memory_mb: int = 1024
    output_mb: int = 8


@dataclass(frozen=True)
class ExerciseSpec:
    id: str
    title: str
    check: str
    prompt: str
    starter: str
    aliases: list[str] = field(default_factory=list)
    topic: str | None = None
    level: int = 1
    hints: list[str] = field(default_factory=list)
    forbid: list[Forbidden] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source: str | None = None
    limits: Limits = Limits()

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExerciseSpec:
        """The inverse of `to_json` (and of the pydantic model's JSON dump, `cases` left out)."""
        return cls(
            **{
                **data,
                "forbid": [Forbidden(**rule) for rule in data.get("forbid", [])],
                "limits": Limits(**data.get("limits", {})),
            }
        )


@dataclass(frozen=True)
class CaseSpec:
    """One case as the exercise file declares it: the fields its reference builds it from."""

    name: str
    dtype: str
    fields: dict[str, Any]
    """Every field, validated, as JSON: `params.PARAMS[check]` reads them back for the reference."""
    shown_fields: dict[str, Any]

    def shown(self) -> dict[str, Any]:
        """The parameters as the learner sees them next to the case's name."""
        return self.shown_fields

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseSpec:
        return cls(**data)
