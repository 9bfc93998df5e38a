"""`quizapp stats` figures over 1M reviews (100k cards), in a fresh process, against baselines
measured in the same run. Budget (DESIGN.md): ≤ 1 s.

- figures, fresh process: import pandas + open the collection + every figure (what `stats --json` does);
- figures, warm: compute_stats again in the same process (what `r` on the stats screen does);
- baseline: `python -c "import pandas"`;
- baseline: fetching the raw log (reviewed_at, rating, state_before, duration_ms) into Python, which
  is what computing the figures from the unreduced log in pandas would start with.

    python benchmarks/bench_stats.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_collection import make  # noqa: E402

PROBE = """
import sys, time
started = time.perf_counter()
from datetime import datetime, timezone
from quizapp.core.db import open_db
from quizapp.config import Settings
from quizapp.stats.figures import compute_stats
db = open_db(sys.argv[1])
compute_stats(db, Settings(), datetime.now(timezone.utc))
cold = time.perf_counter() - started
started = time.perf_counter()
figures = compute_stats(db, Settings(), datetime.now(timezone.utc))
print(cold, time.perf_counter() - started, figures["activity"]["total_reviews"])
"""

RAW = """
import sqlite3, sys, time
started = time.perf_counter()
rows = sqlite3.connect(sys.argv[1]).execute(
    "select reviewed_at, rating, state_before, duration_ms from reviews where undone_at is null").fetchall()
print(time.perf_counter() - started, len(rows))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    _decks, home = make(HERE / ".data" / "c100k", 100_000, 1_000_000)
    db = str(home / "quizapp.db")
    subprocess.run([sys.executable, "-c", PROBE, db], check=True, capture_output=True)  # migrations, caches
    cold, warm, pandas_import, raw = [], [], [], []
    for _ in range(options.runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, db], check=True, capture_output=True, text=True
        ).stdout.split()
        cold.append(float(out[0]))
        warm.append(float(out[1]))
        reviews = int(out[2])
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pandas"], check=True)
        pandas_import.append(time.perf_counter() - started)
        raw.append(
            float(
                subprocess.run(
                    [sys.executable, "-c", RAW, db], check=True, capture_output=True, text=True
                ).stdout.split()[0]
            )
        )
    median = statistics.median
    print(f"{reviews} reviews, 100k cards; {options.runs} runs (medians)")
    print(f"figures, fresh process (imports included)  {median(cold) * 1000:7.0f} ms   budget: 1000 ms")
    print(f"figures, warm (refresh)                    {median(warm) * 1000:7.0f} ms")
    print(
        f"baseline: python -c 'import pandas'        {median(pandas_import) * 1000:7.0f} ms (whole process)"
    )
    print(
        f"baseline: fetch the raw log into Python    {median(raw) * 1000:7.0f} ms "
        f"({median(raw) / median(warm):.1f}× the warm figures)"
    )


if __name__ == "__main__":
    main()
