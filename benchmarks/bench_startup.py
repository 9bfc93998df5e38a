"""`quizapp study` to first card on screen (10k cards, 100k reviews) vs a bare Textual app
showing one label, measured in the same run, alternating, in a real pseudo-terminal.

Budget (DESIGN.md): quizapp ≤ 1.5 × the bare app.

    python benchmarks/bench_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import struct
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_collection import make  # noqa: E402


def time_to_text(argv: list[str], marker: bytes, env: dict[str, str], timeout: float = 30.0) -> float:
    """Seconds from spawning `argv` in a 120×40 pty until `marker` appears in its output."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, env)
    import fcntl
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                seen += chunk
                if marker in seen:
                    return time.perf_counter() - started
        raise RuntimeError(f"{marker!r} never appeared; output tail: {seen[-400:]!r}")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    decks, home = make(HERE / ".data" / "c10k", 10_000, 100_000)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    bare_cmd = [sys.executable, str(HERE / "bare_app.py")]
    quiz_cmd = [
        sys.executable,
        "-m",
        "quizapp",
        "--home",
        str(home),
        "--content",
        str(decks),
        "study",
        "--deck",
        "synth-00",
        "--new",
        "0",
    ]
    # Warm the OS file cache and the content sync once; both are what a returning learner has.
    time_to_text(bare_cmd, b"BASELINE-READY", env)
    time_to_text(quiz_cmd, b"Review", env)
    bare, quiz = [], []
    for _ in range(args.runs):
        bare.append(time_to_text(bare_cmd, b"BASELINE-READY", env))
        quiz.append(time_to_text(quiz_cmd, b"left today", env))
    b, q = statistics.median(bare), statistics.median(quiz)
    print(
        f"bare Textual label : median {b * 1000:.0f} ms  (runs: {', '.join(f'{x * 1000:.0f}' for x in bare)})"
    )
    print(
        f"quizapp study      : median {q * 1000:.0f} ms  (runs: {', '.join(f'{x * 1000:.0f}' for x in quiz)})"
    )
    print(f"ratio              : {q / b:.2f} × (budget ≤ 1.5 ×)")


if __name__ == "__main__":
    main()
