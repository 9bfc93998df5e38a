"""What every reference's case fields share, without torch: the catalog validates exercise files
with them in every process (the TUI's too)."""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_DIMENSION = 4096
MAX_ELEMENTS = 1 << 22
"""Cases come from exercise files, which anyone may write: a shape is capped before torch allocates it."""
Positive = Annotated[int, Field(ge=1, le=MAX_DIMENSION)]
Pair = tuple[Positive, Positive]


class CaseParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    dtype: Literal["float32", "float64"] = "float64"
    seed: int | None = None

    SIZE_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Integer fields whose product is the size of an input, checked like a shape."""

    @model_validator(mode="after")
    def _not_too_large(self) -> CaseParams:
        sizes = [
            (name, list(value))
            for name, value in self
            if isinstance(value, (list, tuple)) and len(value) > 1 and all(isinstance(v, int) for v in value)
        ]
        if self.SIZE_FIELDS:
            sizes.append((" × ".join(self.SIZE_FIELDS), [getattr(self, field) for field in self.SIZE_FIELDS]))
        for name, dims in sizes:
            if math.prod(dims) > MAX_ELEMENTS:
                raise ValueError(f"{name} {dims} has {math.prod(dims):,} elements; at most {MAX_ELEMENTS:,}")
        return self

    def shown(self) -> dict:
        """The parameters as the learner sees them next to the case's name."""
        shown = self.model_dump(mode="json", exclude={"name", "seed", "dtype"}, exclude_defaults=True)
        return {**shown, "dtype": self.dtype}
