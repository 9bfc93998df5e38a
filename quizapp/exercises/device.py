"""Which device the references run on: cpu, cuda, or auto (cuda when torch sees a GPU).

Asking torch costs `import torch` (about a second). This module never imports it: "cpu" needs no
question, and otherwise a short helper process answers (`reference_builder --resolve`), so the TUI
process stays free of torch. A process that has torch anyway (the CLI's `--check`) asks it
directly: `reference_builder.resolve_device_here`.
"""

from __future__ import annotations

import subprocess
import sys

BUILDER_MODULE = "quizapp.exercises.reference_builder"
"""Run with `python -m` to build references out of this process (`reference_helper.py`) or to
resolve a device (`--resolve DEVICE`)."""
UNAVAILABLE_EXIT = 3
"""`reference_builder --resolve` exits with this, and says why on stdout, when CUDA is absent."""

_resolved: dict[str, str] = {"cpu": "cpu"}


class DeviceUnavailable(RuntimeError):
    """`--device cuda` on a machine where torch sees no CUDA device."""


def resolve_device(requested: str) -> str:
    """cpu, cuda, or auto → cpu or cuda; raises DeviceUnavailable for cuda without one."""
    if requested not in _resolved:
        answer = subprocess.run(
            [sys.executable, "-m", BUILDER_MODULE, "--resolve", requested],
            capture_output=True,
            text=True,
            check=False,
        )
        if answer.returncode == UNAVAILABLE_EXIT:
            raise DeviceUnavailable(answer.stdout.strip())
        if answer.returncode != 0:
            raise RuntimeError(
                f"could not ask torch for a device (exit {answer.returncode}, a quizapp bug): "
                f"{answer.stderr.strip()[-2000:]}"
            )
        remember(requested, answer.stdout.strip())
    return _resolved[requested]


def remember(requested: str, device: str) -> None:
    """What `requested` resolved to, so it is asked once per process (and `device` as itself)."""
    _resolved[requested] = device
    _resolved[device] = device
