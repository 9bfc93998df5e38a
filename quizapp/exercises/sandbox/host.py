"""The warm checker host: imports NumPy once, then forks one confined child per check.

Protocol: one JSON object per line. The host says {"ready": ...} once, then answers each request
with {"exit": .., "signal": .., "timed_out": .., "cancelled": .., "wall_s": .., "cpu_s": ..}.
While a check runs, a line {"cancel": true} on stdin (or stdin closing) kills it.
It must not start threads: it forks.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import sys
import time

import numpy  # noqa: F401 - imported once here, so each forked check starts warm

from quizapp.exercises.sandbox import child


def main() -> None:
    _send({"ready": True, "pid": os.getpid()})
    reader = _LineReader(sys.stdin.fileno())
    while True:
        line = reader.read_line(None)
        if line is None:
            return
        request = json.loads(line)
        if "cancel" in request:
            continue  # a cancel that arrived after its check ended
        for module in request.get("preload", []):
            importlib.import_module(module)  # once per host: pandas costs ~0.5 s, every check after is warm
        _send(_check(request, reader))


def _check(request: dict, reader: _LineReader) -> dict:
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        child.run(request)
    exited = _exit_watch(pid)
    deadline = started + request["limits"]["wall_s"]
    timed_out = cancelled = False
    reaped = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            waiting = [exited] if exited is not None else []
            # Without a pidfd (not Linux), look at the child every 10 ms.
            timeout = remaining if exited is not None else min(remaining, 0.01)
            ready, _, _ = select.select([*waiting, reader.fd], [], [], timeout)
            if exited is not None and exited in ready:
                break
            if exited is None:
                reaped = os.wait4(pid, os.WNOHANG)
                if reaped[0] != 0:
                    break
                reaped = None
            if reader.fd in ready:
                line = reader.read_line(0)
                if line is None or "cancel" in line:
                    cancelled = True
                    break
        if timed_out or cancelled:
            _kill_group(pid)
        _pid, status, usage = reaped or os.wait4(pid, 0)
    finally:
        if exited is not None:
            os.close(exited)
    _kill_group(pid)  # anything the check left behind
    if reader.closed:
        sys.exit(0)
    return {
        "exit": os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "timed_out": timed_out,
        "cancelled": cancelled,
        "wall_s": time.monotonic() - started,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024,
    }


def _exit_watch(pid: int) -> int | None:
    """A file descriptor that becomes readable when `pid` exits (Linux ≥ 5.3), or None."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class _LineReader:
    """Lines from a file descriptor without Python's buffering, so `select` tells the truth."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.closed = False

    def read_line(self, timeout: float | None) -> str | None:
        while b"\n" not in self.buffer:
            if self.closed:
                return None
            if timeout is not None and not select.select([self.fd], [], [], timeout)[0]:
                return ""
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.closed = True
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()


if __name__ == "__main__":
    main()
