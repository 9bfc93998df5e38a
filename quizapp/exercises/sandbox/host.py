"""The warm checker host: imports NumPy once, then forks one confined child per check, ahead of it.

Where the machine allows it the client starts the host as PID 1 of its own user, PID, mount and
network namespaces (`unshare`): a check can then see and signal no process outside, and everything
it leaves behind dies with the host. Each check gets a work dir on a fresh tmpfs of a fixed size,
mounted in the host's private mount namespace on an empty folder the client made (the first
argument) and unmounted afterwards, so nothing is ever written to disk. Elsewhere the work dir is a
folder on disk inside that one, watched for size and removed after the check; the client removes
its folder when it closes, and the folders of clients that were killed when the next one starts.

The child for the next check is forked and confined as soon as the previous check has ended (a
spare, `_Spare`), and waits for its check on a pipe: a check does not wait for the fork or the
confinement (about 1.5 ms). Only the check's limits are set when it arrives. Nor does it wait for
the child's teardown: the harness's last frame gives its exit code and closes the channels, the
outcome goes out, and only then is the child killed and reaped (`_Check.finish`).

The frames it reads and writes are `protocol.py`'s: a `CheckRequest` in; "started", the child's
records and the `Outcome` out, on stdout, the one channel a check's results take. A cancel frame
on stdin, or stdin closing, kills a running check. The host must not start threads: it forks.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import numpy  # noqa: F401 - imported once here, so each forked check starts warm

from quizapp.exercises.sandbox import child, confine, protocol, wire
from quizapp.exercises.sandbox.protocol import CheckRequest, Outcome, StopReason

OUTPUT_KEPT = 16 << 10
"""The tail of what a check printed that is kept and sent back."""
WORK_DIR_MB = 64
"""What a check may write in its work dir."""
DISK_POLL_S = 0.05
DRAIN_S = 1.0
"""How long the pipes are read after the child has ended (only a process it left could hold them)."""
_MNT_DETACH = 2


def main() -> None:
    confine.not_dumpable()
    workspace = _Workspace(Path(sys.argv[1]))
    _send(protocol.ready(os.getpid(), [workspace.describe(), _process_label()]))
    reader = wire.FrameReader(sys.stdin.fileno())
    spare = _Spare(workspace)
    try:
        while True:
            try:
                frame = reader.read()
            except EOFError:
                return
            assert frame is not None  # read() without a timeout waits for one
            header, blobs = frame
            if "check" not in header:
                continue  # a cancel that arrived after its check ended
            request = CheckRequest.from_wire(header["check"])
            if not spare.alive() or any(module not in sys.modules for module in request.preload):
                spare.discard()
                for module in request.preload:
                    importlib.import_module(
                        module
                    )  # once per host: pandas costs ~0.5 s, every check after is warm
                spare = _Spare(workspace)
            handed = wire.encode({"check": header["check"], "inputs": header["inputs"]}, blobs)
            check = _Check(request, spare, reader, workspace)
            outcome = check.run(handed)
            _send(protocol.done(outcome))  # before the work dir goes: the client has all it needs
            check.finish()
            spare.release()
            if reader.eof:
                return
            spare = _Spare(workspace)  # confined while the learner reads the verdict
    finally:
        spare.discard()


class _Spare:
    """A child forked and confined before its check arrives (`child.run`), on a fresh work dir:
    a check waits for neither the fork nor the confinement. Its limits come with the check."""

    def __init__(self, workspace: _Workspace) -> None:
        self.workspace = workspace
        self.workdir = workspace.prepare()
        request_r, self.request_w = os.pipe()
        self.results_r, results_w = os.pipe()
        self.output_r, output_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            for fd in (self.request_w, self.results_r, self.output_r):
                os.close(fd)
            child.run(self.workdir, request_r, results_w, output_w)
        for fd in (request_r, results_w, output_w):
            os.close(fd)
        self.pid = pid
        self.released = False

    def alive(self) -> bool:
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def hand_over(self, handed: bytes) -> None:
        """The check, to the waiting child; a child that died meanwhile is then reported as it ended."""
        with contextlib.suppress(OSError):
            wire.write_all(self.request_w, handed)
        os.close(self.request_w)
        self.request_w = -1

    def release(self) -> None:
        """After its check: the work dir goes (the child is reaped by then)."""
        if not self.released:
            self.released = True
            self.workspace.release(self.workdir)

    def discard(self) -> None:
        """A spare no check will use: told to go (its request pipe closed), reaped, its work dir gone."""
        if self.request_w >= 0:
            os.close(self.request_w)
            self.request_w = -1
            for fd in (self.results_r, self.output_r):
                os.close(fd)
            _kill_group(self.pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        self.release()


def _process_label() -> str:
    if os.getpid() == 1:
        return (
            "processes: own PID namespace (your code sees and can signal no process outside its check); "
            "whatever it leaves running is killed with the check"
        )
    return (
        "processes: no PID namespace on this machine (other processes exist beside the check; see seccomp "
        "for signals); the check has its own session and is killed with it"
    )


class _Check:
    """One forked child, watched until it ends: its results forwarded, its output kept, its limits held."""

    def __init__(
        self, request: CheckRequest, spare: _Spare, client: wire.FrameReader, workspace: _Workspace
    ) -> None:
        self.request = request
        self.spare = spare
        self.limits = request.limits
        self.client = client
        self.workspace = workspace
        self.output_tail = bytearray()
        self.output_bytes = 0
        self.stopped: StopReason | None = None
        """Why the host stopped the check early, if it did."""
        self.channel_problem = ""
        self.frames_left = request.result_frames
        self.claimed_exit: int | None = None
        """The exit code of the harness's last frame (`child._end_channels`), while no frame came after it."""
        self.reaped = False

    def run(self, handed: bytes) -> Outcome:
        """Hand the check to the spare child, and watch it until it ends."""
        pid, results_r, output_r = self.spare.pid, self.spare.results_r, self.spare.output_r
        # Said before the hand-over, not after: the client's deadline for the check starts here. A
        # host stopped (SIGSTOP) between the two left the client waiting for PREPARE_S (120 s)
        # instead of the check's wall clock; the check itself was already running.
        _send(protocol.STARTED)
        started = time.monotonic()
        self.spare.hand_over(handed)
        results = wire.FrameReader(results_r, blob_budget=self.request.result_bytes)
        output_open = True
        exited = _exit_watch(pid)
        deadline = started + self.limits.wall_s
        reaped: tuple[int, int, resource.struct_rusage] | None = None
        drained_by: float | None = None
        try:
            while True:
                now = time.monotonic()
                if reaped is None:
                    if self.stopped is None and now >= deadline:
                        self._stop(pid, StopReason.TIMED_OUT)
                    if self.stopped is None and self.workspace.over_cap():
                        self._stop(pid, StopReason.DISK_FULL)
                    if self.stopped is not None:
                        reaped = os.wait4(pid, 0)  # killed: it ends at once
                    elif self.claimed_exit is not None and results.eof and not output_open:
                        break  # the harness has ended the check: `finish` waits for the process
                if reaped is not None:
                    drained_by = drained_by or now + DRAIN_S
                    assert drained_by is not None
                    if (results.eof and not output_open) or now >= drained_by:
                        break
                watched = [fd for fd, live in ((results_r, not results.eof), (output_r, output_open)) if live]
                if reaped is None:
                    watched += [self.client.fd] + ([exited] if exited is not None else [])
                    timeout = deadline - now
                    if exited is None:
                        timeout = min(timeout, 0.01)  # no pidfd (not Linux): look at the child every 10 ms
                    if not self.workspace.in_memory:
                        timeout = min(timeout, DISK_POLL_S)
                else:
                    assert drained_by is not None
                    timeout = drained_by - now
                ready, _, _ = select.select(watched, [], [], max(timeout, 0))
                if results_r in ready:
                    self._forward_results(pid, results)
                if output_r in ready:
                    output_open = self._keep_output(pid, output_r)
                if reaped is None and self.client.fd in ready:
                    self._read_client(pid)
                if reaped is None and (exited is None or exited in ready):
                    found = os.wait4(pid, os.WNOHANG)
                    reaped = found if found[0] != 0 else None
        finally:
            for fd in (results_r, output_r, exited):
                if fd is not None:
                    os.close(fd)
        tail = bytes(self.output_tail[-OUTPUT_KEPT:])
        outcome = Outcome(
            stopped=self.stopped,
            channel_problem=self.channel_problem,
            wall_s=time.monotonic() - started,
            output=tail.decode("utf-8", errors="replace"),
            output_bytes=self.output_bytes,
        )
        if reaped is None:  # ended by the harness: its code (the CPU time is not known yet)
            outcome.exit = self.claimed_exit
        else:
            self.reaped = True
            _pid, status, usage = reaped
            outcome.exit = os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None
            outcome.signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
            outcome.cpu_s = usage.ru_utime + usage.ru_stime
        return outcome

    def finish(self) -> None:
        """After the outcome has gone: the child, if the outcome did not wait for it, and anything it
        left. A check whose code forged the harness's last frame is ended here too."""
        if not self.reaped:
            _kill_group(self.spare.pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.spare.pid, 0)
        _kill_leftovers(self.spare.pid)

    def _stop(self, pid: int, reason: StopReason) -> None:
        if self.stopped is None:
            self.stopped = reason
        _kill_group(pid)

    def _forward_results(self, pid: int, results: wire.FrameReader) -> None:
        try:
            results.fill()
            while (frame := results.next_frame()) is not None:
                self.frames_left -= 1
                if self.frames_left < 0:
                    raise wire.WireError("more messages than the check has results")
                header, blobs = frame
                exit_code = header.get("exit")
                if len(header) == 1 and type(exit_code) is int and not blobs:
                    self.claimed_exit = exit_code
                    continue
                self.claimed_exit = None
                _send(protocol.record(header), blobs)
        except wire.WireError as problem:
            self.channel_problem = str(problem)
            self._stop(pid, StopReason.CHANNEL)
            results.eof = True  # read no more of it

    def _keep_output(self, pid: int, fd: int) -> bool:
        chunk = os.read(fd, 65536)
        if not chunk:
            return False
        self.output_bytes += len(chunk)
        self.output_tail += chunk
        del self.output_tail[:-OUTPUT_KEPT]
        if self.output_bytes > self.limits.output_mb << 20:
            self._stop(pid, StopReason.FLOODED)
        return True

    def _read_client(self, pid: int) -> None:
        try:
            self.client.fill()
            while (frame := self.client.next_frame()) is not None:
                if "cancel" in frame[0]:
                    self._stop(pid, StopReason.CANCELLED)
        except wire.WireError:
            self._stop(pid, StopReason.CANCELLED)
        if self.client.eof:
            self._stop(pid, StopReason.CANCELLED)


class _Workspace:
    """Where a check's work dir lives: a size-capped tmpfs mounted on `root` for each check (seen only
    in the host's own mount namespace), or a folder made inside `root` on disk. `root` is an empty
    folder the client made and removes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.in_memory = _mount_tmpfs(str(root), 1) and _libc.umount2(str(root).encode(), _MNT_DETACH) == 0
        self.cap_bytes = 0
        self.current: Path | None = None
        self._next_look = 0.0

    def describe(self) -> str:
        if self.in_memory:
            return (
                f"work dir: its own in-memory filesystem, at most {WORK_DIR_MB} MiB written, "
                "gone when the check ends"
            )
        return f"work dir: on disk, at most {WORK_DIR_MB} MiB written (checked every 50 ms), removed after the check"

    def prepare(self) -> Path:
        """A fresh, empty work dir for the next check."""
        self.cap_bytes = WORK_DIR_MB << 20
        if self.in_memory:
            workdir = self.root
            if not _mount_tmpfs(str(workdir), WORK_DIR_MB + 1):
                raise OSError("could not mount the check's work dir")
        else:
            workdir = Path(tempfile.mkdtemp(prefix="check-", dir=self.root))
        os.chmod(workdir, 0o700)
        self.current = workdir
        return workdir

    def release(self, workdir: Path) -> None:
        self.current = None
        if self.in_memory:
            _libc.umount2(str(workdir).encode(), _MNT_DETACH)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    def over_cap(self) -> bool:
        """In memory the tmpfs holds the cap itself; on disk, add up what the check has written."""
        if self.in_memory or self.current is None or time.monotonic() < self._next_look:
            return False
        self._next_look = time.monotonic() + DISK_POLL_S
        total, entries = 0, 0
        for folder, _dirs, files in os.walk(self.current):
            for name in files:
                entries += 1
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            if total > self.cap_bytes or entries > 100_000:
                return True
        return False


_libc = ctypes.CDLL(None, use_errno=True)


def _mount_tmpfs(target: str, size_mb: int) -> bool:
    """A tmpfs of `size_mb` at `target`; possible only in a mount namespace the host owns."""
    if os.getpid() != 1 or not hasattr(_libc, "mount"):
        return False  # no namespaces of our own: never mount anything in the learner's view
    options = f"size={size_mb}m,mode=0700,nr_inodes=20000".encode()
    return _libc.mount(b"tmpfs", target.encode(), b"tmpfs", 0, options) == 0


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


def _kill_leftovers(pid: int) -> None:
    """Anything the check left behind. As PID 1 of its namespace the host can end every other process
    in it; elsewhere the check's own process group, and seccomp has kept it from starting others."""
    _kill_group(pid)
    if os.getpid() == 1:
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
    while True:  # PID 1 adopts orphans: reap them all
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break


def _send(header: dict, blobs: list[bytes] | tuple = ()) -> None:
    wire.write_all(sys.stdout.fileno(), wire.encode(header, blobs))


if __name__ == "__main__":
    main()
