"""The learner's own editor: which command opens a file, at a line, and waits until it is closed."""

from __future__ import annotations

import os
import shlex
from pathlib import Path


class NoEditor(LookupError):
    """Neither $VISUAL nor $EDITOR is set."""


# Editors that open a file at a line with `+LINE FILE`, and those that take `FILE:LINE`.
_PLUS_LINE = {
    "vi", "vim", "nvim", "gvim", "mvim", "view", "nano", "pico", "emacs", "emacsclient", "micro",
    "kak", "joe", "jed", "mg", "ne", "gedit", "vis", "amp",
}  # fmt: skip
_FILE_COLON_LINE = {"hx", "helix", "subl", "sublime_text", "zed"}
_GOTO_FLAG = {"code", "code-insiders", "codium", "vscodium", "cursor", "windsurf"}
_WAITING = {"subl", "sublime_text", "zed", *_GOTO_FLAG}
"""GUI editors that return at once unless told `--wait` (until the file is closed)."""


def editor_command(path: Path, line: int | None = None, editor: str | None = None) -> list[str]:
    """The command line that opens `path` (at `line`, when given) in the learner's editor.

    Args:
        editor: the editor's command (words split as a shell would); by default $VISUAL, else $EDITOR.

    `+LINE FILE` for vi, vim, nvim, nano, emacs, micro, kak and their like; `FILE:LINE` for helix,
    Sublime Text and Zed; `-g FILE:LINE` for VS Code and its forks. A GUI editor is also told to
    wait until the file is closed (`--wait`), so that quizapp reads the edited file only then.
    Another editor gets the file alone.

    Raises:
        NoEditor: no editor is given and neither $VISUAL nor $EDITOR is set.
    """
    command = editor if editor is not None else os.environ.get("VISUAL") or os.environ.get("EDITOR")
    words = shlex.split(command or "")
    if not words:
        raise NoEditor("Set $EDITOR (e.g. export EDITOR=vim) to edit cards in your own editor.")
    name = Path(words[0]).name.lower().removesuffix(".exe")
    if name in _WAITING and "--wait" not in words and "-w" not in words:
        words.append("--wait")
    if line is None:
        return [*words, str(path)]
    if name in _PLUS_LINE:
        return [*words, f"+{line}", str(path)]
    if name in _FILE_COLON_LINE:
        return [*words, f"{path}:{line}"]
    if name in _GOTO_FLAG:
        return [*words, "-g", f"{path}:{line}"]
    return [*words, str(path)]
