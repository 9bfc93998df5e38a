"""YAML read so that every value keeps its file position, and the traps of YAML are caught.

PyYAML's `compose` gives nodes with line/column marks; we build plain data from them and keep the
nodes to turn a pydantic error path like `cards.3.front` back into `file:line:col`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from stat import S_ISREG

import yaml

from quizapp.core.problem import Problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 50
"""Nesting deeper than this is refused: a deck needs about six levels, and deeper input only serves
to exhaust the recursion of whatever reads it next."""
MAX_ALIAS_COPIES = 100_000
"""How many values aliases may repeat in all: an alias of an alias of … (a "billion laughs") is
refused at its anchor instead of being expanded into millions of values."""
MB = 1024 * 1024
_OPENS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSES = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
# After YAML's escapes, "\\tanh" holds a TAB and "\\frac" a form feed; "\\nabla" a newline + "abla".
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]|\n(?:abla|eq|ot\b|ewline|u\b|e\b)")


def read_capped(path: Path, max_bytes: int, what: str) -> str | Problem:
    """The text of a content file, or the problem that stops it from being read.

    A file over `max_bytes` is refused from its size alone, before anything is read (and one
    that grows meanwhile is not read past the cap): parsed and validated, YAML takes many times its
    size in memory. Only a regular file is read: a FIFO would block, a device never end.

    Args:
        what: the kind of file, for the message: "a deck file", "an exercise file".
    """
    try:
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as file:
            stat = os.fstat(file.fileno())
            if not S_ISREG(stat.st_mode):
                return Problem(str(path), 1, 1, f"not a regular file, so not read as {what}")
            size = stat.st_size
            data = file.read(max_bytes + 1) if size <= max_bytes else b""
    except OSError as error:
        return Problem(str(path), 1, 1, f"cannot read: {error.strerror}")
    size = max(size, len(data))
    if size > max_bytes:
        return Problem(
            str(path),
            1,
            1,
            f"{_megabytes(size)}, more than the {_megabytes(max_bytes)} {what} may be; split it into "
            "several files",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Problem(str(path), 1, 1, f"not UTF-8 text: {error.reason} at byte {error.start}")


def _megabytes(size: int) -> str:
    return f"{math.ceil(size * 10 / MB) / 10:g} MB"  # rounded up: a file just over is never "64 MB"


class YamlDocument:
    """A parsed YAML file: its data, its node tree, and the problems found while reading it."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.data: object = None
        self.root: yaml.Node | None = None
        self.problems: list[Problem] = []
        loader = _Loader(text)
        try:
            self.root = loader.get_single_node()
            if self.root is not None and self._safe_shape(self.root):
                self._lint(self.root)
                before = len(self.problems)
                data = _build(self.root, loader, {}, self.problems, self._problem_at)
                # A value that could not be read leaves a hole: validating around it would only
                # report the hole again. Lint problems (duplicate keys …) keep the data.
                self.data = data if len(self.problems) == before else None
        except yaml.MarkedYAMLError as error:
            if "maximum nesting depth" in str(error.problem):  # libyaml's own cap (1,000 from 0.2.6)
                self.problems.append(self._too_deep(text, error.problem_mark))
                return
            mark = error.problem_mark or error.context_mark
            message = " ".join(str(part) for part in (error.context, error.problem) if part)
            self.problems.append(self._problem_at(mark, f"YAML syntax: {message}"))
        except yaml.YAMLError as error:
            self.problems.append(Problem(str(path), 1, 1, f"YAML: {error}"))
        except TypeError:  # a list or mapping used as a mapping key
            self.problems.append(Problem(str(path), 1, 1, "YAML: a list or mapping cannot be a key"))
        except RecursionError:  # the pure-Python parser, when libyaml is missing
            self.problems.append(Problem(str(path), 1, 1, f"YAML: nested deeper than {MAX_DEPTH} levels"))
        finally:
            loader.dispose()

    def _too_deep(self, text: str, fallback: yaml.Mark | None) -> Problem:
        """Our own "nested deeper" problem, at the first collection past `MAX_DEPTH`, for a file
        libyaml refused to compose at its own, deeper, limit. PyYAML's scanner does not recurse."""
        depth = 0
        try:
            for token in yaml.scan(text, Loader=yaml.SafeLoader):
                if isinstance(token, _OPENS):
                    depth += 1
                    if depth > MAX_DEPTH:
                        return self._problem_at(token.start_mark, f"nested deeper than {MAX_DEPTH} levels")
                elif isinstance(token, _CLOSES):
                    depth -= 1
        except yaml.YAMLError:
            pass
        return self._problem_at(fallback, f"nested deeper than {MAX_DEPTH} levels")

    def _safe_shape(self, root: yaml.Node) -> bool:
        """Depth and alias copies within their limits, checked without recursion: a problem at the
        first node past a limit, and False, so the file is not built."""
        copies = 0
        seen: set[int] = set()
        sizes: dict[int, int] = {}  # shared: each node's expanded size is worked out once
        stack: list[tuple[yaml.Node, int]] = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                self.problems.append(
                    self._problem_at(node.start_mark, f"nested deeper than {MAX_DEPTH} levels")
                )
                return False
            if id(node) in seen:  # reached again through an alias: a copy of everything below it
                copies += _size(node, sizes)
                if copies > MAX_ALIAS_COPIES:
                    self.problems.append(
                        self._problem_at(
                            node.start_mark,
                            f"aliases repeat more than {MAX_ALIAS_COPIES:,} values; write the values out",
                        )
                    )
                    return False
                continue
            seen.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                stack.extend((item, depth + 1) for item in node.value)
            elif isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    stack.extend(((key, depth + 1), (value, depth + 1)))
        return True

    def problem(self, path: tuple[object, ...], message: str) -> Problem:
        """A problem positioned at the node reached by `path` (keys and list indices)."""
        return self._problem_at(self.locate(path).start_mark, message)

    def locate(self, path: tuple[object, ...]) -> yaml.Node:
        """The deepest node along `path`; path parts that do not exist are skipped."""
        node = self.root
        assert node is not None
        for part in path:
            child = _child(node, part)
            if child is not None:
                node = child
        return node

    def _problem_at(self, mark: yaml.Mark | None, message: str) -> Problem:
        if mark is None:
            return Problem(str(self.path), 1, 1, message)
        return Problem(str(self.path), mark.line + 1, mark.column + 1, message)

    def _lint(self, node: yaml.Node, linted: set[int] | None = None) -> None:
        linted = set() if linted is None else linted
        if id(node) in linted:  # an alias of a node already linted
            return
        linted.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, yaml.Node] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        first = seen[key.value].start_mark.line + 1
                        self.problems.append(
                            self._problem_at(
                                key.start_mark, f"duplicate key {key.value!r} (first at line {first})"
                            )
                        )
                    else:
                        seen[key.value] = key
                self._lint(value, linted)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self._lint(item, linted)
        elif isinstance(node, yaml.ScalarNode) and node.style == '"' and _CONTROL.search(node.value):
            self.problems.append(
                self._problem_at(
                    node.start_mark,
                    "control character in a double-quoted string: a LaTeX backslash such as \\tanh or "
                    "\\frac is read as an escape there; use 'single quotes' or a | block",
                )
            )


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"


def _short(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _unreadable(node: yaml.Node, error: Exception) -> str:
    if isinstance(error, yaml.constructor.ConstructorError):  # a tag the safe loader does not know
        return f"the tag {_short(node.tag)} is not allowed (only YAML's plain types are)"
    if isinstance(node, yaml.ScalarNode):
        return f"{node.value!r} is not a valid {_short(node.tag)}"
    return f"this {_short(node.tag)} cannot be read ({error})"


def _size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values `node` stands for with every alias below it written out (memoised per node)."""
    if id(node) not in sizes:
        if isinstance(node, yaml.SequenceNode):
            sizes[id(node)] = 1 + sum(_size(item, sizes) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            sizes[id(node)] = 1 + sum(_size(value, sizes) for _key, value in node.value)
        else:
            sizes[id(node)] = 1
    return sizes[id(node)]


def _build(
    node: yaml.Node,
    loader: yaml.SafeLoader,
    built: dict[int, object],
    problems: list[Problem],
    problem_at: Callable[[yaml.Mark | None, str], Problem],
) -> object:
    """Plain data from a node tree, as `construct_document` makes it, several times faster for
    the strings that make up nearly all of a deck (PyYAML's constructor is pure Python). A value
    whose tag cannot be read (`!!float abc`, `!!timestamp yesterday`, an unknown tag) becomes a
    positioned problem instead of an exception."""
    if id(node) in built:  # an alias: the same object, as PyYAML gives
        return built[id(node)]
    if not isinstance(node, yaml.ScalarNode) and node.tag not in (_SEQ, _MAP):
        problems.append(problem_at(node.start_mark, f"the tag {_short(node.tag)} is not allowed here"))
    value: object
    if isinstance(node, yaml.ScalarNode) and node.tag == _STR:
        value = node.value
    elif isinstance(node, yaml.SequenceNode):
        value = [_build(item, loader, built, problems, problem_at) for item in node.value]
    elif isinstance(node, yaml.MappingNode) and not any(key.tag == _MERGE for key, _value in node.value):
        value = {
            _build(key, loader, built, problems, problem_at): _build(
                item, loader, built, problems, problem_at
            )
            for key, item in node.value
        }
    else:  # other scalars (numbers, booleans, null, dates) and `<<:` merges: PyYAML's own constructor
        try:
            value = loader.construct_object(node, deep=True)
        except (ValueError, TypeError, AttributeError, OverflowError, yaml.YAMLError) as error:
            problems.append(problem_at(node.start_mark, _unreadable(node, error)))
            value = None
    built[id(node)] = value
    return value


def _child(node: yaml.Node, part: object) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


def key_node(document: YamlDocument, path: tuple[object, ...]) -> yaml.Node | None:
    """The key node (not the value) of the last part of `path`, for 'extra field' errors."""
    parent = document.locate(path[:-1])
    if isinstance(parent, yaml.MappingNode):
        for key, _value in parent.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(path[-1]):
                return key
    return None


def pydantic_problems(
    document: YamlDocument,
    errors: Iterable[dict],
    rewrite: Callable[[dict], tuple[tuple, str] | None] | None = None,
) -> list[Problem]:
    """pydantic's errors (with their `loc` already relative to the file) as positioned problems.

    Args:
        errors: pydantic error dicts; `loc` is the path from the document's root.
        rewrite: returns `(loc, message)` for errors the caller words itself, or None.
    """
    problems = []
    for item in errors:
        loc, message, node = tuple(item["loc"]), item["msg"], None
        special = rewrite(item) if rewrite else None
        if special is not None:
            loc, message = special
        elif item["type"] == "extra_forbidden":
            node = key_node(document, loc)
            message = f"unknown field {loc[-1]!r}"
        elif item["type"] == "missing":
            message = f"missing field {loc[-1]!r}"
            loc = loc[:-1]
        where = ".".join(str(part) for part in loc) or "file"
        mark = (node or document.locate(loc)).start_mark
        problems.append(Problem(str(document.path), mark.line + 1, mark.column + 1, f"{where}: {message}"))
    return problems
