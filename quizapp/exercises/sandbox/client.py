"""The parent's side of the sandbox: start the warm host, send it checks, cancel them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from functools import cache


class SandboxError(RuntimeError):
    """The host could not be started or stopped answering."""


@cache
def network_namespace_prefix() -> tuple[tuple[str, ...], str]:
    """`unshare -rn` when this machine lets an unprivileged user make a network namespace."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return (), "network: not isolated (no `unshare` command)"
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        reason = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"exit {probe.returncode}"
        return (), f"network: not isolated (unshare -rn: {reason})"
    return (unshare, "-rn"), "network: none (own network namespace)"


def _close_streams(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream and not stream.closed:
            try:
                stream.close()
            except OSError:  # a pipe to a dead host may refuse the final flush
                pass


def _host_environment() -> dict[str, str]:
    keep = {name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT") if name in os.environ}
    # One thread per BLAS: OpenBLAS starts its pool at import, and the checks are small.
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    return {**keep, **threads, "PYTHONHASHSEED": "0"}


class SandboxHost:
    """A warm host process. Start it early (it imports NumPy while the caller builds references).

    `run` blocks until the check ends; `cancel` may be called from another thread meanwhile.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._ready = False
        self._write_lock = threading.Lock()
        self.isolation: list[str] = []

    def start(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        prefix, network = network_namespace_prefix()
        self.isolation = ["process: own session, killed as a group; python -I", network]
        self._process = subprocess.Popen(
            [*prefix, sys.executable, "-I", "-m", "quizapp.exercises.sandbox.host"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=_host_environment(), start_new_session=True,
        )
        self._ready = False

    def run(self, request: dict) -> dict:
        self.start()
        assert self._process is not None
        if not self._ready:
            self._read()
            self._ready = True
        self._write(request)
        return self._read()

    def cancel(self) -> None:
        if self._process is not None and self._process.poll() is None:
            try:
                self._write({"cancel": True})
            except OSError:
                pass

    def close(self) -> None:
        if self._process is None:
            return
        process, self._process = self._process, None
        try:
            if process.stdin:
                process.stdin.close()
            process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        finally:
            _close_streams(process)

    def _write(self, message: dict) -> None:
        assert self._process is not None and self._process.stdin is not None
        with self._write_lock:
            self._process.stdin.write(json.dumps(message).encode() + b"\n")
            self._process.stdin.flush()

    def _read(self) -> dict:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            process = self._process
            self._process = None
            error = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
            process.wait()
            _close_streams(process)
            raise SandboxError(f"the checker host stopped (exit {process.returncode}): {error[-2000:] or 'no message'}")
        return json.loads(line)

    def __enter__(self) -> SandboxHost:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
