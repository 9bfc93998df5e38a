"""PyTorch (and pandas) references: for each case, the inputs, the calls to make, the expected outputs.

Each module registers its references on import; `REFERENCES` maps an exercise file's `check:` name
to one. torch is imported inside the builders only, never at start-up.
"""

from quizapp.exercises.references import (  # noqa: F401 - registers
    backward,
    boxes,
    detection,
    images,
    layers,
    losses,
    optimisation,
    tabular,
)
from quizapp.exercises.references.base import REFERENCES, CaseData, CaseParams, build_case

__all__ = ["REFERENCES", "CaseData", "CaseParams", "build_case"]
