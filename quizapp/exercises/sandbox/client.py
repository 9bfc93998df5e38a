"""The trusted side of the sandbox: start the warm host, send it checks, cancel them, hold the deadline.

The client never opens a file the check could have touched: inputs go to the host, and results
come back, over pipes. It keeps its own deadline for every check, so a host that stops answering
(stopped, wedged, or a bug) is killed with everything it started, and the check still gets a verdict.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from functools import cache
from pathlib import Path

from quizapp.exercises.sandbox import protocol, wire
from quizapp.exercises.sandbox.protocol import CheckRequest, HostReply, Outcome, StopReason

PREPARE_S = 120.0
"""How long the host may take before a check starts (it may be importing pandas on a cold disk)."""
GRACE_S = 2.0
"""How long past a check's own wall-clock limit the client waits for the host's answer."""
CANCEL_S = 1.0
"""How long a cancelled check may take to end before its host is killed."""
READY_S = 60.0
ROOT_PREFIX = "quizapp-sandbox-"

UNSHARE_FLAGS = (
    "--user",
    "--map-root-user",
    "--net",
    "--pid",
    "--mount",
    "--fork",
    "--kill-child",
    "--mount-proc",
)


class SandboxError(RuntimeError):
    """The host could not be started or stopped answering."""

    def __init__(self, message: str, records: list[wire.Frame] | None = None) -> None:
        super().__init__(message)
        self.records = records or []
        """What the check had reported before the host was lost."""


@cache
def launch_prefix(all_namespaces: bool = True) -> tuple[tuple[str, ...], str]:
    """The strongest `unshare` this machine allows an unprivileged user, and the network it leaves.

    All of user, PID, mount and network namespaces where they work (the host is then PID 1 of its
    own namespace, with a private /proc and /tmp); a network namespace alone where only that works
    (or when `all_namespaces` is False: the tests use it to try the fallback).
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        return (), "network: not isolated (no `unshare` command)"
    reason = ""
    for flags in (UNSHARE_FLAGS, ("-rn",))[0 if all_namespaces else 1 :]:
        probe = subprocess.run([unshare, *flags, "true"], capture_output=True, text=True, check=False)
        if probe.returncode == 0:
            return (unshare, *flags), "network: none (own network namespace)"
        reason = reason or (probe.stderr.strip().splitlines() or [f"exit {probe.returncode}"])[-1]
    return (), f"network: not isolated (unshare: {reason})"


def _host_environment() -> dict[str, str]:
    keep = {
        name: os.environ[name]
        for name in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
        if name in os.environ
    }
    # One thread per BLAS: OpenBLAS starts its pool at import, and the checks are small.
    threads = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
    return {**keep, **threads, "PYTHONHASHSEED": "0"}


class SandboxHost:
    """A warm host process. Start it early (it imports NumPy while the caller builds references).

    `run` blocks until the check ends; `cancel` may be called from another thread meanwhile.
    """

    def __init__(self, *, all_namespaces: bool = True) -> None:
        self.all_namespaces = all_namespaces
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: wire.FrameReader | None = None
        self._ready = False
        self._write_lock = threading.Lock()
        self._cancelled_at: float | None = None
        self._root: str | None = None
        """The folder the host's work dirs live in (or, in its own mount namespace, are mounted on)."""
        self._launch: list[str] = []
        self.isolation: list[str] = []
        """The layers the host applies to every check (each child adds its own)."""

    @property
    def pid(self) -> int | None:
        """The process the client started (`unshare`, or the host itself where there is none)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        prefix, network = launch_prefix(self.all_namespaces)
        self._launch = [network, "python -I, a scrubbed environment"]
        self.isolation = list(self._launch)
        _remove_stale_roots()
        self._remove_root()  # a host that ended by itself left its folder
        self._root = tempfile.mkdtemp(prefix=f"{ROOT_PREFIX}{os.getpid()}-")
        self._process = subprocess.Popen(
            [*prefix, sys.executable, "-I", "-m", protocol.HOST_MODULE, self._root],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            env=_host_environment(),
            start_new_session=True,
            cwd="/",
        )
        assert self._process.stdout is not None  # stdout=PIPE
        self._reader = wire.FrameReader(self._process.stdout.fileno(), max_header=4 * wire.MAX_HEADER_BYTES)
        self._ready = False

    def run(self, request: CheckRequest, inputs: list[list], blobs: list[bytes]) -> HostReply:
        """Run one check: `inputs` names each blob ([case index, input name]) for the work dir."""
        self.start()
        if not self._ready:
            ready = self._next(time.monotonic() + READY_S, [])
            if ready is None and self._cancelled_at is not None:  # cancelled while it started
                self._kill()
                return HostReply(Outcome(stopped=StopReason.CANCELLED, host_killed=True), [])
            if ready is None or not ready[0].get("ready"):
                self._kill()
                raise SandboxError("the checker host did not start")
            self.isolation = [*map(str, ready[0].get("isolation", [])), *self._launch]
            self._ready = True
        if self._cancelled_at is not None:  # cancelled while it started, and it is ready: keep it warm
            return HostReply(Outcome(stopped=StopReason.CANCELLED), [])
        records: list[wire.Frame] = []
        try:
            self._write(wire.encode(protocol.check(request, inputs), blobs))
        except OSError as error:
            raise self._lost(records, f"could not send the check ({error})") from None
        deadline = time.monotonic() + PREPARE_S
        while True:
            frame = self._next(deadline, records)
            if frame is None:  # past the deadline, or cancelled and not ending: the host goes, and its checks
                stopped = StopReason.CANCELLED if self._cancelled_at is not None else StopReason.TIMED_OUT
                self._kill()
                return HostReply(Outcome(stopped=stopped, host_killed=True), records)
            header, frame_blobs = frame
            if header.get("event") == "started":
                deadline = time.monotonic() + request.limits.wall_s + GRACE_S
            elif isinstance(header.get("record"), dict):
                records.append((header["record"], frame_blobs))
            elif isinstance(header.get("done"), dict):
                return HostReply(Outcome.from_wire(header["done"]), records)

    def clear_cancel(self) -> None:
        """Forget an earlier `cancel`: call it as a check begins, before anything it waits on."""
        self._cancelled_at = None

    def cancel(self) -> None:
        """Stop the check under way, or the next `run` before it sends anything (a cancel that
        comes while the references are built or the host starts), until `clear_cancel`."""
        self._cancelled_at = time.monotonic()
        if self._process is not None and self._process.poll() is None:
            try:
                self._write(wire.encode(protocol.CANCEL))
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
            self._process = process
            self._kill()
        finally:
            _close_streams(process)
            self._remove_root()

    def _next(self, deadline: float, records: list[wire.Frame]) -> wire.Frame | None:
        """The host's next frame; None when the deadline passes or a cancel goes unanswered."""
        assert self._reader is not None
        while True:
            now = time.monotonic()
            limit = deadline if self._cancelled_at is None else min(deadline, self._cancelled_at + CANCEL_S)
            if now >= limit:
                return None
            try:
                # Wake now and then: a cancel may arrive from another thread.
                frame = self._reader.read(timeout=min(limit - now, 0.1))
            except EOFError:
                raise self._lost(records, "stopped") from None
            except (wire.WireError, OSError) as error:
                raise self._lost(records, f"sent something unreadable: {error}") from None
            if frame is not None:
                return frame

    def _lost(self, records: list[wire.Frame], what: str) -> SandboxError:
        process = self._process
        self._kill(keep_streams=True)
        error, code = "", None
        if process is not None:
            code = process.returncode
            try:
                if process.stderr is not None and select.select([process.stderr], [], [], 0.5)[0]:
                    error = os.read(process.stderr.fileno(), 8000).decode(errors="replace").strip()
            except (OSError, ValueError):
                pass
            _close_streams(process)
        return SandboxError(
            f"the checker host {what} (exit {code}): {error[-2000:] or 'no message'}", records
        )

    def _kill(self, *, keep_streams: bool = False) -> None:
        """The host's whole process group: `unshare` and the host, whose namespace then takes its checks."""
        process, self._process = self._process, None
        self._ready = False
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.kill()
        process.wait()
        self._remove_root()
        if not keep_streams:
            _close_streams(process)

    def _remove_root(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def _write(self, data: bytes) -> None:
        assert self._process is not None and self._process.stdin is not None
        with self._write_lock:
            wire.write_all(self._process.stdin.fileno(), data)

    def __enter__(self) -> SandboxHost:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _remove_stale_roots() -> None:
    """Work-dir folders of clients that were killed before they could remove them."""
    for folder in Path(tempfile.gettempdir()).glob(f"{ROOT_PREFIX}*-*"):
        owner = folder.name[len(ROOT_PREFIX) :].partition("-")[0]
        if owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to clean up after
        return True
    return True


def _close_streams(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream and not stream.closed:
            try:
                stream.close()
            except OSError:  # a pipe to a dead host may refuse the final flush
                pass
