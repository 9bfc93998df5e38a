"""What judging a typed answer by running it costs, warm, against a bare sandbox round trip.

For a tensor card (`x.clip(0, 1)` against `x.clamp(0, 1)` on a 3×4 float32 tensor) and a pandas card
(an `isin` filter on the wine-reviews dataset), after the host has imported torch and pandas once:
the median of `AnswerRunner.judge` over N runs, and in the same run the median of an empty check
on the same host (fork, confine, nothing run, results back), its floor. Budget: ≤ 0.1 s warm.

    python benchmarks/bench_typed_answer.py [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizapp.exercises.sandbox.protocol import CheckRequest
from quizapp.exercises.typed_run import LIMITS, AnswerRunner

CARDS = {
    "tensor": ({"x": {"tensor": {"shape": [3, 4]}}}, "x.clip(0, 1)", "x.clamp(0, 1)"),
    "pandas": (
        {"reviews": {"dataset": "wine-reviews"}},
        "reviews[reviews.country.isin(['France', 'Italy'])]",
        "reviews.loc[reviews.country.isin(['Italy', 'France'])]",
    ),
}


def median_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    runner = AnswerRunner()
    try:
        started = time.perf_counter()
        runner.warm([fixture for fixture, _given, _answer in CARDS.values()])
        print(f"warm-up (host start, torch and pandas imported): {time.perf_counter() - started:.2f} s")
        empty = CheckRequest("<empty>", "", {}, [], LIMITS, [], 0, 8)
        floor = median_ms(lambda: runner.host.run(empty, [], []), runs)
        print(f"empty check on the same host: {floor:.1f} ms median of {runs}")
        for name, (fixture, given, answer) in CARDS.items():
            judgement = runner.judge(fixture, given, answer)
            assert judgement.same is True, judgement
            cost = median_ms(lambda f=fixture, g=given, a=answer: runner.judge(f, g, a), runs)
            print(
                f"{name} card judged by its result: {cost:.1f} ms median of {runs} ({cost / floor:.1f}× the empty check)"
            )
    finally:
        runner.close()


if __name__ == "__main__":
    main()
