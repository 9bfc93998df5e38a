"""Hostile or careless code: each gets a clear verdict within its limit, and quizapp carries on."""

import os
import time
from pathlib import Path

import pytest

from tests.test_exercise_feedback import GOOD_SMOOTH_L1


def hostile(body: str) -> str:
    """A solution whose smooth_l1 runs `body` first."""
    indented = "".join(f"    {line}\n" for line in body.splitlines())
    return GOOD_SMOOTH_L1.replace(
        "def smooth_l1(pred, target, sigma):\n", "def smooth_l1(pred, target, sigma):\n" + indented, 1
    )


@pytest.fixture(autouse=True)
def _still_works_afterwards(tight_exercise, checker):
    yield
    verdict = checker.check(tight_exercise, GOOD_SMOOTH_L1, "good.py")
    assert verdict.passed, (verdict.error, [c.message for c in verdict.cases])


def run(checker, exercise, body: str):
    started = time.monotonic()
    verdict = checker.check(exercise, hostile(body), "hostile.py")
    return verdict, time.monotonic() - started


def test_infinite_loop_hits_the_cpu_limit(tight_exercise, checker):
    verdict, took = run(checker, tight_exercise, "while True:\n    pass")
    assert not verdict.passed
    assert "more than 1 s of CPU time" in verdict.error and "'first'" in verdict.error
    assert "the limit is for the whole check" in verdict.error
    assert verdict.cases[0].message == "the whole check ran out of CPU time during this case"
    assert verdict.cases[1].message == "not run"
    assert took < 3


def test_sleeping_forever_hits_the_wall_clock_limit(tight_exercise, checker):
    verdict, took = run(checker, tight_exercise, "import time\ntime.sleep(60)")
    assert "timed out" in verdict.error and "3 s" in verdict.error
    assert took < 5


def test_memory_bomb_is_a_memory_error(tight_exercise, checker):
    verdict, _ = run(checker, tight_exercise, "hog = []\nwhile True:\n    hog.append(bytearray(50_000_000))")
    assert "MemoryError" in verdict.cases[0].message
    assert 'File "hostile.py", line 7, in smooth_l1' in verdict.cases[0].message
    assert "out of memory" in verdict.cases[0].message


def test_fork_bomb_cannot_fork(tight_exercise, checker):
    verdict, took = run(checker, tight_exercise, "import os\nwhile True:\n    os.fork()")
    assert (
        "PermissionError" in verdict.cases[0].message or "Operation not permitted" in verdict.cases[0].message
    )
    assert took < 3


def test_subprocess_cannot_start(tight_exercise, checker):
    verdict, _ = run(checker, tight_exercise, "import subprocess\nsubprocess.run(['true'])")
    assert "PermissionError" in verdict.cases[0].message


@pytest.fixture
def outside(tmp_path: Path):
    """A folder of the learner's outside /tmp: the sandbox's private /tmp would hide tmp_path anyway."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=".quizapp-test-", dir=Path.home()))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_writing_outside_the_work_dir_is_refused(tight_exercise, checker, outside: Path):
    target = outside / "escaped.txt"
    verdict, _ = run(checker, tight_exercise, f"open({str(target)!r}, 'w').write('x')")
    assert not target.exists()
    assert "PermissionError" in verdict.cases[0].message
    assert any("landlock" in layer and "only in the work dir" in layer for layer in verdict.isolation)


def test_reading_the_learners_files_outside_python_is_refused(tight_exercise, checker, outside: Path):
    secret = outside / "id_rsa"
    secret.write_text("PRIVATE KEY")
    verdict, _ = run(checker, tight_exercise, f"print(open({str(secret)!r}).read())")
    assert "PermissionError" in verdict.cases[0].message
    assert "PRIVATE KEY" not in verdict.output
    assert any("files read only from" in layer for layer in verdict.isolation)


def test_opening_a_socket_is_refused(tight_exercise, checker):
    verdict, _ = run(
        checker, tight_exercise, "import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=1)"
    )
    assert (
        "PermissionError" in verdict.cases[0].message or "Operation not permitted" in verdict.cases[0].message
    )


def test_the_expected_outputs_are_nowhere_to_be_read(tight_exercise, checker):
    # Look in the work dir and in every other check's work dir beside it for an .npy holding the
    # answer, and return it if found.
    body = (
        "import glob, os, numpy as np\n"
        "siblings = os.path.join(os.path.dirname(os.getcwd()), 'quizapp-check-*', '**', '*.npy')\n"
        "for path in glob.glob('**/*.npy', recursive=True) + glob.glob(siblings, recursive=True):\n"
        "    try:\n"
        "        a = np.load(path)\n"
        "    except Exception:\n"
        "        continue\n"
        "    if a.shape == pred.shape and not np.array_equal(a, pred) and not np.array_equal(a, target):\n"
        "        return a\n"
        "return np.full_like(pred, -1.0)"
    )
    verdict, _ = run(checker, tight_exercise, body)
    assert not verdict.cases[0].passed
    assert "loss:" in verdict.cases[0].message


def test_printing_100_mb_is_capped(tight_exercise, checker):
    verdict, took = run(
        checker, tight_exercise, "line = 'x' * 1000\nfor _ in range(100_000):\n    print(line)"
    )
    assert "printed too much" in verdict.cases[0].message
    assert len(verdict.output) <= 2001
    assert took < 3


def test_segfault_through_ctypes_is_a_crash_verdict(tight_exercise, checker):
    verdict, _ = run(checker, tight_exercise, "import ctypes\nctypes.string_at(0)")
    assert "SIGSEGV" in verdict.error and "'first'" in verdict.error
    assert verdict.cases[0].message.startswith("crashed")


def test_sys_exit_is_explained(tight_exercise, checker):
    verdict, _ = run(checker, tight_exercise, "import sys\nsys.exit(0)")
    # Every case ran and says why it failed: an exit in one case does not end the check.
    assert [case.message for case in verdict.cases] == [
        "your code called sys.exit(0); return a value instead"
    ] * 2
    assert verdict.error is None


@pytest.mark.parametrize("code", [3, 0])
def test_os_exit_ends_the_check_with_a_verdict(tight_exercise, checker, code: int):
    verdict, _ = run(checker, tight_exercise, f"import os\nos._exit({code})")
    assert f"exit code {code} (os._exit or similar) before the checks finished" in verdict.error
    assert verdict.cases[0].message.startswith("your code ended the process")
    assert verdict.cases[1].message == "not run"


def test_forbidden_module_imported_at_run_time_is_refused(tight_exercise, checker):
    verdict, _ = run(checker, tight_exercise, "mod = __import__('to' + 'rch')")
    assert "ImportError: import torch: torch is the reference" in verdict.cases[0].message


def test_a_running_check_can_be_cancelled(tight_exercise, checker):
    import threading

    results = []
    worker = threading.Thread(
        target=lambda: results.append(
            checker.check(tight_exercise, hostile("import time\ntime.sleep(30)"), "slow.py")
        )
    )
    worker.start()
    time.sleep(0.5)
    started = time.monotonic()
    checker.cancel()
    worker.join(5)
    assert not worker.is_alive()
    assert time.monotonic() - started < 1
    assert results[0].cancelled and not results[0].passed


def test_the_spares_warm_up_leaves_nothing_the_check_can_see(tight_exercise, checker):
    # The spare runs a stand-in check before the real one arrives (child._warm_up).
    body = (
        "import sys, linecache\n"
        "assert 'warm-up.py' not in linecache.cache, 'the warm-up left its source'\n"
        "assert sum(type(f).__name__ == '_Blocked' for f in sys.meta_path) == 1, sys.meta_path\n"
        "assert 'pool' not in globals()"
    )
    verdict, _ = run(checker, tight_exercise, body)
    assert verdict.passed, (verdict.error, [c.message for c in verdict.cases])


class CancelWhileBuilding:
    """Cases that are cancelled while they are built, as Escape pressed while torch loads."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.checker = None

    def cases(self, exercise, device):
        self.checker.cancel()
        return self.inner.cases(exercise, device)

    def close(self) -> None:
        pass


def test_a_cancel_while_the_cases_are_built_and_the_host_starts_stops_the_check(tight_exercise, checker):
    from quizapp.exercises.checker import Checker

    references = CancelWhileBuilding(checker.references)
    fresh = Checker(references=references)  # its host starts as the check begins
    references.checker = fresh
    try:
        started = time.monotonic()
        verdict = fresh.check(tight_exercise, hostile("import time\ntime.sleep(30)"), "slow.py")
        assert verdict.cancelled and not verdict.passed, verdict.error
        assert "quizapp bug" not in (verdict.error or "")
        assert time.monotonic() - started < 5
        # The cancel was for that check alone: the next one runs.
        fresh.references = checker.references
        again = fresh.check(tight_exercise, GOOD_SMOOTH_L1, "good.py")
        assert again.passed, (again.error, [c.message for c in again.cases])
    finally:
        fresh.host.close()


def test_the_host_never_runs_as_a_child_of_the_test_process_group():
    from quizapp.exercises.sandbox.client import SandboxHost

    with SandboxHost() as host:
        host.start()
        assert os.getpgid(host._process.pid) != os.getpgid(0)


def test_a_host_killed_mid_check_is_a_verdict_and_the_next_check_restarts_it(tight_exercise, checker):
    import signal
    import threading

    checker.check(
        tight_exercise, GOOD_SMOOTH_L1, "good.py"
    )  # host up, cases built: the next check starts at once
    results = []
    worker = threading.Thread(
        target=lambda: results.append(
            checker.check(tight_exercise, hostile("import time\ntime.sleep(30)"), "slow.py")
        )
    )
    worker.start()
    time.sleep(0.5)
    os.killpg(checker.host._process.pid, signal.SIGKILL)
    worker.join(5)
    assert not worker.is_alive()
    assert "sandbox stopped unexpectedly" in results[0].error and not results[0].passed
    # the autouse fixture then checks a correct solution on the same checker: a fresh host
