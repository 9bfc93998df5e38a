"""Exercise verdict latency, maxpool2d on the CPU, against `python -c "import torch"` in the same run.

- cold, no cache: `quizapp exercise maxpool2d --check FILE` in a fresh process, start to exit
  (imports, the sandbox host, building the cases with torch, the check, storing the attempt), with
  the reference cache emptied first. Budget (DESIGN.md): ≤ `import torch` + 1 s.
- cold, warm cache: the same with the cases read from `<home>/cache/references` (no torch).
  Budget: ≤ `python -c "import numpy"` + 0.3 s.
- warm: the second and later checks in one session (what the TUI and `--watch` do): the host is
  up and the cases are built, so a check is a hand-over to a process already forked and confined,
  plus the learner's own run time.
  Budget: ≤ 10 ms median. Each check starts 50 ms after the previous verdict, as a learner's next
  check always does: the host forks and confines the process for the next check in between. The
  same check back to back, with no pause, is shown too.
Also shown: the warm check's parts (the sandbox round trip for code that returns at once).

The processes run with bytecode caches written (PYTHONDONTWRITEBYTECODE is dropped from their
environment), as an installed quizapp runs: compiling quizapp's sources on every start would
measure the compiler, not the check.

    python benchmarks/bench_exercise.py [--runs 5] [--warm-runs 30] [--device cpu]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "content" / "exercises" / "solutions" / "maxpool2d.py"


PAUSE_S = 0.05
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def timed_process(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=ENVIRONMENT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warm-runs", type=int, default=30)
    parser.add_argument("--device", default="cpu")
    options = parser.parse_args()

    torch_import, numpy_import, cold, cold_cached = [], [], [], []
    with tempfile.TemporaryDirectory() as home:
        check = [
            sys.executable,
            "-m",
            "quizapp",
            "--home",
            home,
            "exercise",
            "maxpool2d",
            "--check",
            str(CORRECT),
            "--device",
            options.device,
        ]
        # The first run creates the collection and writes the bytecode caches.
        subprocess.run(check, check=True, capture_output=True, env=ENVIRONMENT)
        for _ in range(options.runs):  # interleaved, so all see the same machine load
            torch_import.append(timed_process([sys.executable, "-c", "import torch"]))
            shutil.rmtree(Path(home) / "cache", ignore_errors=True)
            cold.append(timed_process(check))
            numpy_import.append(timed_process([sys.executable, "-c", "import numpy"]))
            cold_cached.append(timed_process(check))

    from quizapp import locations
    from quizapp.exercises.catalog import load_catalog
    from quizapp.exercises.checker import Checker

    exercise = load_catalog([locations.builtin_content_dir()]).get("maxpool2d")
    code = CORRECT.read_text()
    trivial = (
        "def maxpool2d_forward(x, k, s):\n    return x\n\ndef maxpool2d_backward(d, x, k, s):\n    return x\n"
    )
    checker = Checker()
    try:
        started = time.perf_counter()
        first = checker.check(exercise, code, str(CORRECT), options.device)
        first_in_process = time.perf_counter() - started
        assert first.passed, first.summary
        warm, round_trip, back_to_back = [], [], []
        for _ in range(options.warm_runs):
            time.sleep(PAUSE_S)
            warm.append(checker.check(exercise, code, str(CORRECT), options.device).duration_s)
            time.sleep(PAUSE_S)
            round_trip.append(checker.check(exercise, trivial, "trivial.py", options.device).duration_s)
            back_to_back.append(checker.check(exercise, code, str(CORRECT), options.device).duration_s)
    finally:
        checker.close()

    base, cold_median = statistics.median(torch_import), statistics.median(cold)
    numpy_base, cached_median = statistics.median(numpy_import), statistics.median(cold_cached)
    warm_median = statistics.median(warm)
    print(f"device: {options.device}; {options.runs} cold runs, {options.warm_runs} warm runs (medians)")
    print(f"python -c 'import torch'          {base * 1000:8.0f} ms   (baseline)")
    print(
        f"cold, no cache                    {cold_median * 1000:8.0f} ms   = import torch + "
        f"{(cold_median - base) * 1000:.0f} ms  ({cold_median / base:.2f}×)   budget: + 1000 ms"
    )
    print(f"python -c 'import numpy'          {numpy_base * 1000:8.0f} ms   (baseline)")
    print(
        f"cold, warm reference cache        {cached_median * 1000:8.0f} ms   = import numpy + "
        f"{(cached_median - numpy_base) * 1000:.0f} ms   budget: + 300 ms"
    )
    print(f"first check in a process          {first_in_process * 1000:8.0f} ms")
    print(
        f"warm check (maxpool2d, correct)   {warm_median * 1000:8.1f} ms   p90 "
        f"{sorted(warm)[int(0.9 * len(warm))] * 1000:.1f} ms   budget: 10 ms"
    )
    print(f"warm sandbox round trip (no work) {statistics.median(round_trip) * 1000:8.1f} ms")
    print(
        f"warm check, back to back            {statistics.median(back_to_back) * 1000:6.1f} ms   "
        "(no pause: the next check's process is still being confined)"
    )


if __name__ == "__main__":
    main()
