"""Building cases with the PyTorch references: in this process, or as the helper process.

The only part of the checker that imports torch (through `quizapp.exercises.references`). The CLI's
`--check` uses `InProcessReferences` (one process: `import torch` overlaps the sandbox host's
start); the TUI's checker never imports this module but runs it as a helper process
(`reference_helper.py`), which builds an exercise's cases and writes them to the reference cache:

    python -m quizapp.exercises.reference_builder                  # serve requests on stdin
    python -m quizapp.exercises.reference_builder --resolve auto   # print cpu or cuda
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from quizapp.exercises import reference_cache
from quizapp.exercises.cases import CaseData, ReferenceFailure
from quizapp.exercises.catalog import LoadedExercise, load_catalog
from quizapp.exercises.device import UNAVAILABLE_EXIT, DeviceUnavailable, remember


def build_cases(exercise: LoadedExercise, device: str) -> list[CaseData]:
    """Every case of `exercise` on `device`; ReferenceFailure names the case torch refused."""
    from quizapp.exercises.references import build_case  # torch: only once the cache has missed

    built = []
    for case in exercise.case_params():
        try:
            built.append(build_case(exercise.spec.check, case, exercise.id, device))
        except Exception as error:
            raise ReferenceFailure(
                f"{exercise.path}: case {case.name!r}: the PyTorch reference failed "
                f"({type(error).__name__}: {error}); this is a problem in the exercise file, not in your code"
            ) from error
    return built


class InProcessReferences:
    """A `CaseSource` that builds with torch in this process, through the cache when there is one."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir

    def cases(self, exercise: LoadedExercise, device: str) -> list[CaseData]:
        if self.cache_dir is not None:
            cached = reference_cache.load(self.cache_dir, exercise, device)
            if cached is not None:
                return cached
        built = build_cases(exercise, device)
        if self.cache_dir is not None:
            reference_cache.store(self.cache_dir, exercise, device, built)
        return built

    def close(self) -> None:
        pass


def resolve_device_here(requested: str) -> str:
    """cpu, cuda, or auto (cuda when torch sees a GPU), asking torch in this process."""
    if requested == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        device = "cuda"
    elif requested == "auto":
        device = "cpu"
    else:
        reason = (
            "this torch was built without CUDA"
            if torch.version.cuda is None
            else "no CUDA device or driver found"
        )
        raise DeviceUnavailable(
            f"--device cuda: {reason} (torch {torch.__version__}); use --device cpu or auto"
        )
    remember(requested, device)
    return device


def _serve() -> None:
    """Answer build requests, one JSON line each, until stdin closes."""
    for line in sys.stdin:
        try:
            request = json.loads(line)
            exercise = load_catalog([Path(request["exercise"])]).get(request["id"])
            if exercise is None:
                raise ReferenceFailure(f"{request['exercise']}: no loadable exercise {request['id']!r} in it")
            cases = build_cases(exercise, request["device"])
            reference_cache.store(Path(request["cache"]), exercise, request["device"], cases)
            answer: dict = {"ok": True}
        except ReferenceFailure as failure:
            answer = {"error": str(failure)}
        print(json.dumps(answer), flush=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--resolve"] and len(argv) == 2:
        try:
            print(resolve_device_here(argv[1]))
        except DeviceUnavailable as error:
            print(error)
            return UNAVAILABLE_EXIT
        return 0
    _serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
