"""The data a type-in card's answer may be run on: a fixed vocabulary, never code.

A deck file is untrusted, so a card names its inputs from this list and quizapp builds them:

    fixture:
      x: {tensor: {shape: [2, 4, 4, 3]}}          # float32, values drawn from a fixed seed
      idx: {tensor: {values: [0, 2]}}             # these values (int64 for whole numbers)
      img: {array: {shape: [8, 8], dtype: uint8}}
      reviews: {dataset: wine-reviews}            # a small wine-reviews DataFrame
      df: {frame: {color: [red, null, blue]}}     # a DataFrame of these columns
      mean: {number: 88.0}

The learner's expression and the card's answer are then both run on them in the exercise sandbox
and their results compared (`quizapp.exercises.typed_run`).
"""

from __future__ import annotations

import keyword
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from quizapp.core.kinds.fields import Strict

MAX_ELEMENTS = 100_000
"""Elements of one array or tensor, so a deck cannot make quizapp allocate gigabytes."""
MAX_FIXTURES = 8
MAX_FRAME_CELLS = 10_000
DATASETS = ("wine-reviews",)

Dtype = Literal["float32", "float64", "int64", "int32", "uint8", "bool"]
Number = float | int | bool


def _count(values: object, depth: int = 0) -> int:
    """How many numbers `values` holds; ValueError if it holds anything else."""
    if depth > 6:
        raise ValueError("values nest deeper than 6 dimensions")
    if isinstance(values, list):
        return sum(_count(value, depth + 1) for value in values)
    if not isinstance(values, (int, float)):
        raise ValueError(f"values must be numbers (or lists of them), not {type(values).__name__}")
    return 1


class ArraySpec(Strict):
    shape: list[Annotated[int, Field(ge=0, le=MAX_ELEMENTS)]] | None = Field(None, max_length=6)
    """Random values of this shape, the same on every run."""
    values: list[Any] | Number | None = None
    """These values (nested lists for more dimensions)."""
    dtype: Dtype | None = None
    """float32 for a tensor and float64 for an array by default; int64 for whole-number `values`."""

    @model_validator(mode="after")
    def _one_source(self) -> ArraySpec:
        if (self.shape is None) == (self.values is None):
            raise ValueError("give either `shape` (random values) or `values`")
        elements = _count(self.values) if self.values is not None else 1
        for size in self.shape or []:
            elements *= size
        if elements > MAX_ELEMENTS:
            raise ValueError(f"at most {MAX_ELEMENTS:,} elements")
        return self


class FixtureItem(Strict):
    """One named input: exactly one of the fields."""

    tensor: ArraySpec | None = None
    array: ArraySpec | None = None
    dataset: Literal[DATASETS] | None = None  # type: ignore[valid-type]
    frame: dict[str, list[str | Number | None]] | None = Field(None, max_length=50)
    number: Number | None = None
    text: Annotated[str, Field(max_length=1000)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> FixtureItem:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of tensor, array, dataset, frame, number, text")
        if self.frame is not None:
            lengths = {len(column) for column in self.frame.values()}
            if len(lengths) > 1:
                raise ValueError("every column of a frame needs the same number of values")
            if sum(len(column) for column in self.frame.values()) > MAX_FRAME_CELLS:
                raise ValueError(f"at most {MAX_FRAME_CELLS:,} cells")
        return self


Fixture = Annotated[dict[str, FixtureItem], Field(min_length=1, max_length=MAX_FIXTURES)]


def check_names(fixture: dict[str, FixtureItem] | None) -> dict[str, FixtureItem] | None:
    """Fixture names become Python names in the code that runs the answer."""
    for name in fixture or {}:
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise ValueError(f"fixture name {name!r} must be a Python name not starting with _")
        if name in ("np", "pd", "torch", "nn", "F"):
            raise ValueError(f"fixture name {name!r} would hide the module of that name")
    return fixture
