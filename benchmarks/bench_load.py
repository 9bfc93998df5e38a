"""Load + validate 10k cards: cold (every file new to the database) and unchanged (nothing to
re-read). Baseline in the same run: libyaml parsing the same files into Python objects, the least
any YAML-based app must do cold. Budget (DESIGN.md): ≤ 1 s cold, ≤ 0.1 s unchanged.

    python benchmarks/bench_load.py [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_collection import write_decks  # noqa: E402

PROBE = """
import sys, time
from pathlib import Path
started = time.perf_counter()
from quizapp.core.db import open_db
from quizapp.core.sync import sync_content
db = open_db(Path(sys.argv[1]))
report = sync_content(db, [Path(sys.argv[2])])
elapsed = time.perf_counter() - started
assert not report.problems, report.problems[:3]
print(elapsed, report.parsed)
"""

BASELINE = """
import sys, time
from pathlib import Path
started = time.perf_counter()
import yaml
for path in sorted(Path(sys.argv[1]).glob("*.yaml")):
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
print(time.perf_counter() - started)
"""


def run(code: str, *args: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="quizapp-load-"))
    try:
        decks = work / "decks"
        write_decks(decks, 10_000)
        cold, unchanged, baseline = [], [], []
        for run_number in range(args.runs):
            db = work / f"run{run_number}.db"
            seconds, parsed = run(PROBE, str(db), str(decks))
            assert parsed == "10"
            cold.append(float(seconds))
            seconds, parsed = run(PROBE, str(db), str(decks))
            assert parsed == "0"
            unchanged.append(float(seconds))
            baseline.append(float(run(BASELINE, str(decks))[0]))
        c, u, b = (statistics.median(x) for x in (cold, unchanged, baseline))
        print("10 deck files, 10,000 cards; fresh process each, imports included")
        print(f"cold      : median {c:.3f} s (budget ≤ 1 s)   runs {', '.join(f'{x:.3f}' for x in cold)}")
        print(
            f"unchanged : median {u:.3f} s (budget ≤ 0.1 s) runs {', '.join(f'{x:.3f}' for x in unchanged)}"
        )
        print(f"baseline  : libyaml parse only {b:.3f} s; cold is {c / b:.2f} × that")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
