"""The file a learner starts from: the spec on top (prompt, rules, cases), the functions below.

rustlings puts the task in the exercise file itself; so does quizapp, so that `quizapp exercise
NAME --starter > mine.py` and `--watch` users have everything in their own editor: the prompt with
its formulas as readable Unicode, what may not be used and why, and every case that will be
checked (ties, strides, dtypes …). The header is a docstring: the file still runs as it is.
"""

from __future__ import annotations

import textwrap

from quizapp.core.latex import to_unicode
from quizapp.exercises.catalog import LoadedExercise

WIDTH = 100


def starter_file(exercise: LoadedExercise) -> str:
    """The starter code with the exercise's spec as its module docstring."""
    spec = exercise.spec
    parts = [f"{spec.title}  ({spec.id})", "", to_unicode(spec.prompt).rstrip()]
    if spec.forbid:
        parts += ["", "Not allowed here:"]
        parts += [_bullet(f"`{rule.name}`: {to_unicode(rule.why)}") for rule in spec.forbid]
    parts += ["", f"Checked on {len(exercise.cases)} cases (each with its own seeded random inputs):"]
    parts += [
        _bullet(f"{case.name}: " + " ".join(f"{key}={value}" for key, value in case.shown().items()))
        for case in exercise.cases
    ]
    parts += [
        "",
        f"Check:  quizapp exercise {spec.id} --check THIS_FILE   (or --watch THIS_FILE)",
        f"Hints:  quizapp exercise {spec.id} --hint   ({len(spec.hints)} available, one at a time)",
    ]
    return _docstring("\n".join(parts)) + "\n\n" + spec.starter


def is_untouched(code: str, exercise: LoadedExercise) -> bool:
    """The learner has not written anything yet: the starter, with or without its header."""
    return code.strip() in (exercise.spec.starter.strip(), starter_file(exercise).strip())


def _bullet(text: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent="- ", subsequent_indent="  ", break_on_hyphens=False)


def _docstring(text: str) -> str:
    # Raw, so a backslash stays one; a run of three quotes in the text cannot end it early.
    body = text.replace('"""', '"\u200b""')
    if body.endswith('"'):
        body += " "
    return f'r"""\n{body}\n"""'
