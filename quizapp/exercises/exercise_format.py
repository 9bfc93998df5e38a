"""The exercise file format, as pydantic models (the cases' own fields belong to each reference).

Used to validate a file; what passes becomes the plain `spec.ExerciseSpec` the rest of quizapp reads.

```yaml
quizapp: 1
exercise:
  id: maxpool2d
  aliases: [maxpool, max-pool]  # other names `quizapp exercise NAME` accepts (ids are also found by prefix)
  title: MaxPool2d forward and backward (NumPy)
  topic: pooling              # where it sits on the suggested path (exercises/path.py)
  level: 1                    # its place within the topic
  check: maxpool2d            # the PyTorch reference, registered in quizapp/exercises/references/
  prompt: |                   # Markdown; $…$ formulas are shown as Unicode
  hints: [first nudge, second nudge]
  starter: |                  # the functions to implement, with their signatures
  forbid:                     # modules that may not be imported, functions that may not be called
    - {name: torch, why: torch is the reference; write it with NumPy}
  cases:
    - {name: example, shape: [1, 1, 4, 4], kernel: 2, stride: 2}
```
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from quizapp.core.deck_format import ID_PATTERN

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]
Topic = Literal[
    "pooling", "conv", "norms", "losses", "optimisation", "boxes", "images", "sequence", "tabular"
]
"""The suggested path, in order: `spec.TOPICS` (a test keeps the two the same)."""
DottedName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Forbidden(_Strict):
    name: DottedName
    """A module (`torch`, `scipy.signal`) or a function (`max_pool2d`, `np.lib.stride_tricks.as_strided`)."""
    why: Text


class Limits(_Strict):
    cpu_s: int = Field(10, ge=1, le=120)
    wall_s: int = Field(20, ge=1, le=300)
    memory_mb: int = Field(1024, ge=64, le=16384)
    output_mb: int = Field(8, ge=1, le=256)


class Exercise(_Strict):
    id: Id
    title: Text
    aliases: list[Id] = []
    """Other names the learner may type; each must be unique across all exercises."""
    topic: Topic | None = None
    """Where the exercise sits on the suggested path; an exercise without one comes after the rest."""
    level: int = Field(1, ge=1, le=99)
    """Its place within the topic: lower comes first."""
    check: Text
    prompt: Text
    starter: Text
    hints: list[Text] = []
    forbid: list[Forbidden] = []
    tags: list[Annotated[str, StringConstraints(pattern=r"^[^\s]+$")]] = []
    source: str | None = None
    limits: Limits = Limits()
    cases: list[dict] = Field(min_length=1)


class ExerciseFile(_Strict):
    quizapp: Literal[1]
    exercise: Exercise
