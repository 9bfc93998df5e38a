"""How many hints of each exercise the learner has seen, remembered in `<home>/exercises/hints.json`,
so `quizapp exercise NAME --hint` gives the next one each time and the exercise screen agrees."""

from __future__ import annotations

import json
from pathlib import Path

from quizapp.exercises.workspace import save_atomically

HINTS_FILE = "hints.json"


def _path(home: Path) -> Path:
    return home / "exercises" / HINTS_FILE


def _load(home: Path) -> dict[str, int]:
    try:
        data = json.loads(_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or a damaged file: start again from the first hint
    if not isinstance(data, dict):
        return {}
    return {
        key: value
        for key, value in data.items()
        if isinstance(key, str) and isinstance(value, int) and value >= 0
    }


def hints_shown(home: Path, exercise_id: str) -> int:
    return _load(home).get(exercise_id, 0)


def remember_hints_shown(home: Path, exercise_id: str, count: int) -> None:
    data = _load(home)
    data[exercise_id] = count
    save_atomically(_path(home), json.dumps(data, indent=1, sort_keys=True) + "\n")


def reveal_next_hint(home: Path, exercise_id: str, total: int) -> tuple[int, bool]:
    """Shows one more hint (up to `total`). Returns (how many are shown now, whether one was added)."""
    shown = min(hints_shown(home, exercise_id), total)
    if shown >= total:
        return shown, False
    remember_hints_shown(home, exercise_id, shown + 1)
    return shown + 1, True
