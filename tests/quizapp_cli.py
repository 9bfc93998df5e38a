"""`quizapp …` run in this process with click's CliRunner: the CLI's behaviour without paying a
fresh interpreter and `import torch` per call. Tests of a real process boundary (watch's Ctrl+C,
what a fresh process imports) still spawn one."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from quizapp.cli import cli


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    """As `python -m quizapp --home HOME ARGS…` would end: exit code, stdout, stderr."""
    return invoke("--home", str(home), *args)


def invoke(*args: str) -> subprocess.CompletedProcess:
    """As `python -m quizapp ARGS…` would end. An exception the CLI did not turn into an exit code
    is raised here (a subprocess would print its traceback)."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["quizapp", *args], result.exit_code, result.stdout, result.stderr)
