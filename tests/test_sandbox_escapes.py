"""A hostile learner against the sandbox's boundary: each escape of issue 9 tried, and held.

Every test asserts that the thing outside is untouched, and that the same warm checker passes a
correct solution afterwards. The process tests run twice: with every namespace this machine allows
(the host is PID 1 of its own namespaces, the work dir a tmpfs), and with the fallback a machine
without user namespaces gets (no PID namespace, the work dir on disk). A layer this kernel lacks
makes its tests skip, naming the layer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import FIXTURES

from quizapp.exercises.checker import Checker
from quizapp.exercises.sandbox import client, confine
from quizapp.exercises.sandbox.child import CHECK_NAME, IDLE_NAME
from quizapp.exercises.sandbox.client import SandboxHost
from tests.test_exercise_feedback import GOOD_SMOOTH_L1
from tests.test_sandbox_hostile import hostile

SLOW = "import time\ntime.sleep(30)"


@pytest.fixture(scope="module", params=["namespaces", "fallback"])
def any_checker(request):
    """A warm checker in each mode; the fallback's host has a network namespace only."""
    if request.param == "namespaces" and client.launch_prefix()[0][1:] != client.UNSHARE_FLAGS:
        pytest.skip("user/PID/mount namespaces: this machine does not let an unprivileged user make them")
    warm = Checker(SandboxHost(all_namespaces=request.param == "namespaces"))
    yield warm
    warm.close()


@pytest.fixture(autouse=True)
def _still_works_afterwards(request, tight_exercise):
    yield
    for name in ("any_checker", "checker"):
        if name in request.fixturenames:
            warm = request.getfixturevalue(name)
            verdict = warm.check(tight_exercise, GOOD_SMOOTH_L1, "good.py")
            assert verdict.passed, (verdict.error, [c.message for c in verdict.cases])


def require(layer: str, verdict) -> None:
    """Skip, naming the layer, when the verdict says this machine did not apply it."""
    missing = [line for line in verdict.isolation if line.startswith(layer) and "not available" in line]
    if missing or not any(line.startswith(layer) for line in verdict.isolation):
        pytest.skip(f"{layer}: not available on this machine ({'; '.join(missing) or 'not applied'})")


def require_before(layer: str, checker: Checker, exercise) -> None:
    """`require`, learnt from a harmless check first: for attacks that would do harm where the layer is missing."""
    require(layer, checker.check(exercise, GOOD_SMOOTH_L1, "good.py"))


def descendants(pid: int) -> list[int]:
    """pid and every process below it, from /proc (children lists, Linux ≥ 3.5)."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                for child in children.read().split():
                    found += descendants(int(child))
    except OSError:
        pass
    return found


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition, timeout: float) -> bool:
    """Poll a condition on other processes (which post no events to wait on) up to a deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def in_background(checker: Checker, exercise, code: str) -> tuple[threading.Thread, list]:
    results: list = []
    worker = threading.Thread(target=lambda: results.append(checker.check(exercise, code, "hostile.py")))
    worker.start()
    return worker, results


@pytest.fixture
def outsider():
    """A process of the learner's that has nothing to do with quizapp."""
    process = subprocess.Popen(["sleep", "60"], start_new_session=True)
    yield process
    process.kill()
    process.wait()


# -- 1. signals ------------------------------------------------------------------------------------


def test_no_signal_reaches_a_process_outside_the_check(any_checker, tight_exercise, outsider):
    require_before(
        "seccomp", any_checker, tight_exercise
    )  # the layer that refuses them even without a PID namespace
    attempts = {
        "kill": f"os.kill({outsider.pid}, signal.SIGTERM)",
        "probe": f"os.kill({outsider.pid}, 0)",
        "everyone": "os.kill(-1, 0)",
        "group": f"os.killpg({outsider.pid}, signal.SIGTERM)",
        "pidfd": f"os.pidfd_open({outsider.pid})",
    }
    body = "import os, signal\nrefused = []\n"
    for name, attempt in attempts.items():
        body += f"try:\n    {attempt}\nexcept OSError as error:\n    refused.append(({name!r}, type(error).__name__))\n"
    body += "raise RuntimeError(f'refused: {sorted(refused)}')"
    verdict = any_checker.check(tight_exercise, hostile(body), "hostile.py")
    assert outsider.poll() is None, "a process outside the check was killed"
    message = verdict.cases[0].message
    for name in attempts:
        assert f"('{name}', " in message, (name, message)


def test_the_check_cannot_stop_or_kill_its_host(any_checker, tight_exercise):
    require_before("seccomp", any_checker, tight_exercise)
    host = any_checker.host.pid
    body = (
        "import os, signal\nfor victim in {os.getppid(), 1}:\n    for sig in (signal.SIGSTOP, signal.SIGKILL):\n"
        "        try:\n            os.kill(victim, sig)\n        except OSError:\n            pass"
    )
    started = time.monotonic()
    verdict = any_checker.check(tight_exercise, hostile(body), "hostile.py")
    assert verdict.passed and time.monotonic() - started < 3
    assert any_checker.host.pid == host, "the host was lost"


# -- 2. files the child planted --------------------------------------------------------------------

PLANT = """\
import os
secret_paths = ['/proc/self/environ', '/proc/1/environ', '/etc/hostname', '/dev/zero']
names = ['output.txt', 'results.jsonl', 'setup.json', 'out', 'in2', 'loss.npy', 'loss.json']
for index, name in enumerate(names):
    try:
        os.symlink(secret_paths[index % len(secret_paths)], name)
    except OSError:
        pass
for name in ['fifo', 'out.fifo']:
    try:
        os.mkfifo(name)
    except OSError:
        pass
os.makedirs('out/0', exist_ok=True) if not os.path.islink('out') else None
"""


def test_links_fifos_and_devices_in_the_work_dir_are_never_read(checker, tight_exercise, monkeypatch):
    monkeypatch.setenv("QUIZAPP_TEST_SECRET", "s3cr3t-of-the-trusted-side")
    started = time.monotonic()
    verdict = checker.check(tight_exercise, hostile(PLANT), "hostile.py")
    # The planted files change nothing: the answer is right, the check ends at once, nothing leaks.
    assert verdict.passed, (verdict.error, [c.message for c in verdict.cases])
    assert time.monotonic() - started < 3
    assert "s3cr3t" not in str(verdict)


def test_the_work_dir_has_a_total_size_cap(any_checker, tight_exercise):
    body = (
        "for i in range(200):\n    with open(f'junk{i}', 'wb') as junk:\n        junk.write(b'x' * 1000_000)"
    )
    started = time.monotonic()
    verdict = any_checker.check(tight_exercise, hostile(body), "hostile.py")
    assert not verdict.passed and time.monotonic() - started < 3
    told = verdict.error or verdict.cases[0].message
    assert "No space left on device" in told or "wrote more than 64 MiB" in told, told


KILLED_CLIENT = """
import sys
from pathlib import Path
from quizapp.exercises.catalog import load_exercise_file
from quizapp.exercises.checker import Checker
from quizapp.exercises.sandbox.client import SandboxHost
exercise, _ = load_exercise_file(Path(sys.argv[1]))
Checker(SandboxHost(all_namespaces=False)).check(exercise, open(sys.argv[2]).read(), "slow.py")
"""


def test_a_killed_client_leaves_nothing_behind_after_the_next_start(tight_exercise, tmp_path: Path):
    """In the fallback the work dirs are on disk: a client killed mid-check (kill -9) leaves them,
    and the next host to start removes them."""
    slow = tmp_path / "slow.py"
    slow.write_text(hostile(SLOW))
    killed = subprocess.Popen([sys.executable, "-c", KILLED_CLIENT, str(tight_exercise.path), str(slow)])
    try:
        assert wait_until(lambda: _has_forked_check(killed.pid), 60)
        left = _roots_of(killed.pid)
        assert left and any(root.glob("check-*") for root in left)
    finally:
        killed.kill()
        killed.wait()
    assert all(root.exists() for root in left)
    checker = Checker(SandboxHost(all_namespaces=False))
    try:
        assert checker.check(tight_exercise, GOOD_SMOOTH_L1, "good.py").passed
    finally:
        checker.close()
    assert not any(root.exists() for root in left)


def _roots_of(pid: int) -> list[Path]:
    import tempfile

    return list(Path(tempfile.gettempdir()).glob(f"{client.ROOT_PREFIX}{pid}-*"))


# -- 3. outliving the check ------------------------------------------------------------------------


def test_a_stopped_host_is_killed_at_the_clients_deadline_with_its_check(any_checker, tight_exercise):
    any_checker.check(tight_exercise, GOOD_SMOOTH_L1, "good.py")
    host = any_checker.host.pid
    worker, results = in_background(any_checker, tight_exercise, hostile(SLOW))
    assert wait_until(lambda: _has_forked_check(host), 10)
    tree = descendants(host)
    started = time.monotonic()
    os.killpg(host, signal.SIGSTOP)  # what a check could do to a host it can signal
    worker.join(15)
    assert not worker.is_alive()
    limit = tight_exercise.spec.limits.wall_s + client.GRACE_S
    assert time.monotonic() - started < limit + 1
    assert "timed out" in results[0].error
    assert wait_until(lambda: not any(running(pid) for pid in tree), 5), "a process of the check outlived it"


def test_a_check_that_forges_the_harness_end_gets_no_pass_and_does_not_outlive_it(
    any_checker, tight_exercise
):
    """The harness ends a check with a last frame and closes its channels, so the host need not wait
    for the process to be torn down. Code that does the same and goes on running is ended with it."""
    any_checker.check(tight_exercise, GOOD_SMOOTH_L1, "good.py")
    host = any_checker.host.pid
    forged = (
        "import os, time\n"
        "time.sleep(1)\n"  # long enough to be seen running
        "os.write(3, b'{\"exit\":0}\\n')\n"
        "for fd in (1, 2, 3):\n"
        "    os.close(fd)\n"
        "time.sleep(30)"
    )
    worker, results = in_background(any_checker, tight_exercise, hostile(forged))
    assert wait_until(lambda: _has_forked_check(host), 10)
    check = [pid for pid in descendants(host) if _comm(pid) == CHECK_NAME]
    worker.join(10)
    assert not worker.is_alive()
    verdict = results[0]
    assert not verdict.passed and "before the checks finished" in verdict.error
    assert wait_until(lambda: not any(running(pid) for pid in check), 5), "the forged check outlived it"


def test_a_check_cannot_clear_its_parent_death_signal_and_dies_with_a_killed_cli(
    checker, tight_exercise, tmp_path: Path
):
    """The CLI killed mid-check (kill -9): its host and the check end with it, whatever the check tried."""
    require_before("seccomp", checker, tight_exercise)
    code = hostile(
        "import ctypes, time\n"
        "if ctypes.CDLL(None, use_errno=True).prctl(1, 0, 0, 0, 0) == 0:\n"
        "    print('cleared')\n"
        "time.sleep(30)"
    )
    solution = tmp_path / "hostile.py"
    solution.write_text(code)
    cli = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quizapp",
            "--home",
            str(tmp_path / "home"),
            "--content",
            str(FIXTURES),
            "exercise",
            "tight-limits",
            "--check",
            str(solution),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The CLI, its host (under unshare: two processes) and the check.
        assert wait_until(lambda: _has_forked_check(cli.pid), 60)
        tree = descendants(cli.pid)[1:]
        cli.kill()
        cli.wait()
        assert wait_until(lambda: not any(running(pid) for pid in tree), 5), "the check outlived its CLI"
        # Its work dir was a tmpfs in the host's namespace, gone with it; the empty folder it was
        # mounted on goes when the next host starts.
        left = _roots_of(cli.pid)
        assert all(not any(root.iterdir()) for root in left)
        fresh = SandboxHost()
        fresh.start()
        fresh.close()
        assert not any(root.exists() for root in left)
    finally:
        cli.kill()
        cli.wait()


def _has_forked_check(pid: int) -> bool:
    """True once a check runs below `pid`: the child the host forked ahead of it has taken its check
    (it names itself then; the spare waiting for the next one has another name)."""
    return any(_comm(p) == CHECK_NAME for p in descendants(pid))


def _comm(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/comm", "rb") as comm:
            return comm.read().strip()
    except OSError:
        return b""


def test_seccomp_refuses_clearing_the_parent_death_signal(any_checker, tight_exercise):
    body = "import ctypes\nresult = ctypes.CDLL(None, use_errno=True).prctl(1, 0, 0, 0, 0)\nraise RuntimeError(f'prctl={result}')"
    verdict = any_checker.check(tight_exercise, hostile(body), "hostile.py")
    require("seccomp", verdict)
    assert "prctl=-1" in verdict.cases[0].message


# -- 4. what the check can see ---------------------------------------------------------------------


def test_the_check_sees_no_other_process_and_no_terminal(any_checker, tight_exercise):
    body = (
        "import os\nseen = []\n"
        "for path in ['/proc', '/proc/1/environ', '/dev/pts', '/dev/tty', '/dev/console']:\n"
        "    try:\n"
        "        seen.append((path, os.listdir(path) if os.path.isdir(path) else open(path, 'rb').read(64)))\n"
        "    except OSError as error:\n"
        "        seen.append((path, type(error).__name__))\n"
        "raise RuntimeError(repr(seen))"
    )
    verdict = any_checker.check(tight_exercise, hostile(body), "hostile.py")
    require("landlock", verdict)
    message = verdict.cases[0].message
    for path in ("/proc", "/proc/1/environ", "/dev/pts", "/dev/tty"):
        assert f"('{path}', 'PermissionError')" in message or f"('{path}', 'FileNotFoundError')" in message, (
            message
        )


def test_landlock_scopes_signals_where_the_kernel_offers_it(checker, tight_exercise):
    verdict = checker.check(tight_exercise, GOOD_SMOOTH_L1, "good.py")
    if confine.landlock_abi() < 6:
        pytest.skip(f"landlock signal scoping: needs ABI 6, this kernel has {confine.landlock_abi()}")
    assert any("signals and abstract sockets cannot leave the check" in line for line in verdict.isolation)


# -- 5. huge results -------------------------------------------------------------------------------


def test_a_huge_exception_message_is_the_learners_verdict_cut_to_size(checker, tight_exercise):
    verdict = checker.check(tight_exercise, hostile("raise ValueError('x' * 50_000_000)"), "hostile.py")
    assert verdict.error is None
    for case in verdict.cases:
        assert "ValueError" in case.message and "characters cut" in case.message
        assert len(case.message) < 10_000


def test_a_huge_broadcast_output_is_told_by_its_shape_and_other_cases_keep_their_verdicts(
    checker, tight_exercise
):
    body = "import numpy as np\nif pred.shape == (2, 3):\n    return np.broadcast_to(np.float64(0), (10**9,))"
    started = time.monotonic()
    verdict = checker.check(tight_exercise, hostile(body), "hostile.py")
    assert time.monotonic() - started < 3
    first, second = verdict.cases
    assert first.passed
    assert not second.passed and "loss: shape (1000000000,), expected (2, 3)" in second.message
    assert verdict.error is None and "quizapp bug" not in str(verdict)


def test_writing_into_the_result_channel_is_the_learners_verdict(checker, tight_exercise):
    body = (
        "import os\nif pred.shape == (2, 3):\n"
        "    for fd in range(3, 64):\n"
        "        try:\n"
        "            os.write(fd, b'not a frame' * 100_000)\n"
        "        except OSError:\n"
        "            pass"
    )
    verdict = checker.check(tight_exercise, hostile(body), "hostile.py")
    assert verdict.cases[0].passed
    assert "result channel" in verdict.error and "quizapp bug" not in verdict.error


def test_a_flood_of_well_formed_messages_is_stopped_too(checker, tight_exercise):
    body = "import os\nfor _ in range(1_000_000):\n    os.write(3, b'{\"start\": 0}\\n')"
    started = time.monotonic()
    verdict = checker.check(tight_exercise, hostile(body), "hostile.py")
    assert time.monotonic() - started < 3
    assert "result channel" in verdict.error and "more messages" in verdict.error


def test_without_unshare_the_verdict_says_what_is_missing(monkeypatch, tight_exercise):
    monkeypatch.setattr(
        client,
        "launch_prefix",
        lambda all_namespaces=True: ((), "network: not isolated (no `unshare` command)"),
    )
    checker = Checker(SandboxHost())
    try:
        verdict = checker.check(tight_exercise, GOOD_SMOOTH_L1, "good.py")
    finally:
        checker.close()
    assert verdict.passed
    assert "network: not isolated (no `unshare` command)" in verdict.isolation
    assert any(line.startswith("processes: no PID namespace") for line in verdict.isolation)
    assert any(line.startswith("work dir: on disk") for line in verdict.isolation)


# -- 6. the child forked ahead of its check --------------------------------------------------------


def _spares(host: int) -> list[int]:
    return [pid for pid in descendants(host) if _comm(pid) == IDLE_NAME]


def test_the_next_checks_child_waits_already_confined(any_checker, tight_exercise):
    verdict = any_checker.check(tight_exercise, GOOD_SMOOTH_L1, "good.py")
    assert wait_until(lambda: len(_spares(any_checker.host.pid)) == 1, 10)
    (spare,) = _spares(any_checker.host.pid)
    status = Path(f"/proc/{spare}/status").read_text()
    if any(line.startswith("seccomp: no new processes") for line in verdict.isolation):
        assert "\nSeccomp:\t2\n" in status and "\nNoNewPrivs:\t1\n" in status
    assert "\nCapEff:\t0000000000000000\n" in status


def test_a_check_finds_nothing_of_the_check_before_it(any_checker, tight_exercise):
    any_checker.check(tight_exercise, hostile("open('left-behind.txt', 'w').write('x')"), "writer.py")
    verdict = any_checker.check(
        tight_exercise, hostile("import os\nraise RuntimeError(sorted(os.listdir('.')))"), "look.py"
    )
    assert "RuntimeError: []" in verdict.cases[0].message


def test_a_spare_that_died_while_waiting_is_replaced(any_checker, tight_exercise):
    any_checker.check(tight_exercise, GOOD_SMOOTH_L1, "good.py")
    assert wait_until(lambda: len(_spares(any_checker.host.pid)) == 1, 10)
    (spare,) = _spares(any_checker.host.pid)
    os.kill(spare, signal.SIGKILL)  # as the kernel's OOM killer would
    assert wait_until(lambda: not running(spare), 10)
    verdict = any_checker.check(tight_exercise, GOOD_SMOOTH_L1, "good.py")
    assert verdict.passed, (verdict.error, [case.message for case in verdict.cases])
