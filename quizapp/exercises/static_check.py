"""Reading the learner's code before it runs: syntax errors and forbidden shortcuts.

This is a teaching aid, not a wall: `getattr(F, "max" + "_pool2d")` slips past it. The sandbox also
refuses forbidden modules at import time.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass

from quizapp.exercises.spec import Forbidden


@dataclass(frozen=True)
class CodeProblem:
    line: int
    message: str


MAX_CODE_BYTES = 128 * 1024
"""The longest code checked, in UTF-8 bytes: a solution is a few KiB; 128 KiB is a data file, a log or
a paste gone wrong. The code crosses to the sandbox in a JSON header capped at 256 KiB."""
MAX_CODE_SENT = 192 * 1024
"""The same, as the JSON string that carries it (non-ASCII text takes up to 12 bytes a character)."""


def find_problems(code: str, filename: str, forbidden: list[Forbidden]) -> list[CodeProblem]:
    size = len(code.encode("utf-8", "surrogatepass"))
    if size > MAX_CODE_BYTES or len(json.dumps(code)) > MAX_CODE_SENT:
        return [
            CodeProblem(
                1,
                f"this file is too long to check ({size / 1024:,.0f} KiB of text; a solution is at most "
                f"{MAX_CODE_BYTES // 1024} KiB, less with many non-ASCII characters)",
            )
        ]
    try:
        tree = ast.parse(code, filename)
    except SyntaxError as error:
        return [CodeProblem(error.lineno or 1, f"SyntaxError: {error.msg}")]
    if code.isascii() and not any(rule.name.rsplit(".", 1)[-1] in code for rule in forbidden):
        return []  # every match names the rule's last part (non-ASCII names may normalise to it)
    problems: dict[tuple[int, str], CodeProblem] = {}
    for node in sorted(ast.walk(tree), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
        line = getattr(node, "lineno", 1)  # every node that uses a name has one
        for used in _names_used(node):
            rule = _matching_rule(used, forbidden)
            if rule is not None and (line, rule.name) not in problems:
                message = f"`{used}` is not allowed in this exercise: {rule.why}"
                problems[line, rule.name] = CodeProblem(line, message)
    return sorted(problems.values(), key=lambda p: p.line)


def _names_used(node: ast.AST) -> list[str]:
    """Imported modules and names, and attribute chains (`F.max_pool2d`). A bare name is the
    learner's own unless it was imported, and the import is what gets reported."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    if isinstance(node, ast.Attribute):
        return [_dotted(node)]
    return []


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _matching_rule(used: str, forbidden: list[Forbidden]) -> Forbidden | None:
    for rule in forbidden:
        if used == rule.name or used.startswith(rule.name + "."):
            return rule  # the module itself or anything in it
        if "." in used and used.rsplit(".", 1)[1] == rule.name.rsplit(".", 1)[-1]:
            return rule  # a function, whatever the learner called its module: F.max_pool2d
    return None
