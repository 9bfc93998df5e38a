"""What each sandbox layer costs per check, measured in the same run.

1. The warm round trip for code that returns at once (fork, confine, run, results back, work dir
   made and removed), with every namespace this machine allows (the host is PID 1 of its own
   user/PID/mount/network namespaces, the work dir a fresh tmpfs per check) and with the fallback
   (network namespace only, the work dir on disk).
2. The child's own layers, added one at a time: a process with NumPy imported (as the host is) forks
   a child that applies the layers up to that point and exits; the parent waits for it. The
   difference between rows is that layer's cost.

    python benchmarks/bench_sandbox_layers.py [--runs 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy  # noqa: F401 - the host has it imported: forks copy its page tables

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quizapp.exercises.sandbox import confine  # noqa: E402

TRIVIAL = "def smooth_l1(pred, target, sigma):\n    return pred\n\ndef smooth_l1_grad(pred, target, sigma):\n    return pred\n"


def round_trips(runs: int) -> None:
    from quizapp.exercises.catalog import load_exercise_file
    from quizapp.exercises.checker import Checker
    from quizapp.exercises.sandbox.client import SandboxHost

    exercise, problems = load_exercise_file(ROOT / "tests" / "fixtures" / "exercises" / "tight_limits.yaml")
    assert not problems, problems
    checkers = {
        mode: Checker(SandboxHost(all_namespaces=mode == "namespaces")) for mode in ("namespaces", "fallback")
    }
    times: dict[str, list[float]] = {mode: [] for mode in checkers}
    try:
        for checker in checkers.values():
            checker.check(exercise, TRIVIAL, "trivial.py")  # host up, cases built
        for _ in range(runs):  # interleaved: both see the same machine load
            for mode, checker in checkers.items():
                verdict = checker.check(exercise, TRIVIAL, "trivial.py")
                assert verdict.cases and verdict.error is None, verdict.error
                times[mode].append(verdict.duration_s)
        isolation = {mode: checker.host.isolation for mode, checker in checkers.items()}
    finally:
        for checker in checkers.values():
            checker.close()
    print(f"warm round trip, {len(exercise.cases)} cases of tight-limits, {runs} runs each (median / p90):")
    for mode, values in times.items():
        print(
            f"  {mode:<11} {statistics.median(values) * 1000:6.2f} ms / {_p90(values) * 1000:6.2f} ms   "
            f"[{isolation[mode][0]}; {isolation[mode][1]}]"
        )


LAYERS = [
    "fork + wait (bare)",
    "+ session, pdeathsig, fd shuffle",
    "+ rlimits",
    "+ drop capabilities",
    "+ landlock",
    "+ seccomp",
]


def _child(level: int, workdir: str, readable: list[str]) -> None:
    if level >= 1:
        os.setsid()
        confine.die_with_parent()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(4, 1 << 16)
    if level >= 2:
        confine.set_rlimits(cpu_s=10, memory_bytes=1 << 30, file_bytes=8 << 20)
    if level >= 3:
        confine.drop_capabilities()
    if level >= 4:
        confine.restrict_files(workdir, readable)
    if level >= 5:
        confine.forbid_processes_and_sockets()
    os._exit(0)


def layer_costs(runs: int) -> None:
    readable = confine.readable_roots()
    with tempfile.TemporaryDirectory() as workdir:
        times: list[list[float]] = [[] for _ in LAYERS]
        for _ in range(runs):
            for level in range(len(LAYERS)):
                started = time.perf_counter()
                pid = os.fork()
                if pid == 0:
                    _child(level, workdir, readable)
                os.waitpid(pid, 0)
                times[level].append(time.perf_counter() - started)
    print(f"\nthe child's layers, cumulative, {runs} forks each (median; the step is that layer's cost):")
    previous = 0.0
    for name, values in zip(LAYERS, times):
        median = statistics.median(values) * 1000
        step = f"+{median - previous:5.2f}" if previous else "      "
        print(f"  {name:<36} {median:6.2f} ms  {step} ms")
        previous = median
    print(f"  (landlock ABI {confine.landlock_abi()})")


def _p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * len(values))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200)
    options = parser.parse_args()
    round_trips(options.runs)
    layer_costs(options.runs)


if __name__ == "__main__":
    main()
