"""`quizapp exercise`: the contract of DESIGN.md (exit codes, JSON), watch mode, and validation."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import FIXTURES
from quizapp_cli import run

SOLUTIONS = Path(__file__).parent / "solutions" / "maxpool2d"
MODEL = Path(__file__).parent.parent / "content" / "exercises" / "solutions" / "maxpool2d.py"


def test_check_exits_0_on_a_pass_and_prints_the_json_of_the_design(tmp_path: Path):
    result = run(tmp_path, "exercise", "maxpool2d", "--check", str(MODEL), "--json")
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert {"exercise", "passed", "device", "duration_s", "cases"} <= set(verdict)
    assert verdict["exercise"] == "maxpool2d" and verdict["passed"] is True and verdict["device"] == "cpu"
    assert len(verdict["cases"]) == 8
    for case in verdict["cases"]:
        assert {"name", "passed", "message", "max_abs_err", "max_rel_err"} <= set(case)
        assert case["max_abs_err"] == 0.0


def test_check_exits_1_on_a_failure_and_says_which_case(tmp_path: Path):
    result = run(tmp_path, "exercise", "maxpool2d", "--check", str(SOLUTIONS / "wrong_mask_spreads_ties.py"))
    assert result.returncode == 1
    assert "✗ ties-go-to-the-first" in result.stdout
    assert "7/8 cases pass." in result.stdout


def test_usage_and_content_errors_exit_2_without_a_traceback(tmp_path: Path):
    cases = [
        ("exercise", "no-such-exercise", "--check", str(MODEL)),
        ("exercise", "maxpool2d", "--check", str(tmp_path / "missing.py")),
        ("exercise", "maxpool2d", "--json"),
        ("exercise", "maxpool2d", "--starter", "--check", str(MODEL)),
        ("exercise", "--starter"),
        ("--content", str(FIXTURES / "broken_exercises"), "exercise", "broken-pool", "--starter"),
    ]
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"\xff\xfe\x00def")
    cases.append(("exercise", "maxpool2d", "--check", str(binary)))
    for args in cases:
        result = run(tmp_path, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.startswith("Error:"), (args, result.stderr)


def test_cuda_without_a_gpu_is_a_usage_error(tmp_path: Path):
    import torch

    if torch.cuda.is_available():
        return
    result = run(tmp_path, "exercise", "maxpool2d", "--check", str(MODEL), "--device", "cuda")
    assert result.returncode == 2
    assert "--device cuda" in result.stderr


def test_starter_prints_the_signatures(tmp_path: Path):
    result = run(tmp_path, "exercise", "maxpool2d", "--starter")
    assert result.returncode == 0
    assert "def maxpool2d_forward(x, kernel_size, stride):" in result.stdout
    assert "def maxpool2d_backward(dout, x, kernel_size, stride):" in result.stdout


def test_list_shows_every_exercise_with_its_status(tmp_path: Path):
    run(tmp_path, "exercise", "maxpool2d", "--check", str(MODEL))
    run(tmp_path, "exercise", "conv2d", "--check", str(MODEL))
    result = run(tmp_path, "exercise")
    assert result.returncode == 0
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert {"maxpool2d", "avgpool2d", "conv2d", "batchnorm", "smooth-l1", "fix-gradient-descent"} <= set(rows)
    assert "passed" in rows["maxpool2d"]
    assert "not passed yet" in rows["conv2d"]
    assert " new " in rows["avgpool2d"]


def test_validate_reports_exercise_problems_with_positions(tmp_path: Path):
    result = run(tmp_path, "validate", str(FIXTURES / "broken_exercises"))
    assert result.returncode == 1
    broken = str(FIXTURES / "broken_exercises" / "exercises" / "broken.yaml")
    unknown = str(FIXTURES / "broken_exercises" / "exercises" / "unknown_check.yaml")
    lines = result.stdout.splitlines()
    assert f"{broken}:8:3: exercise.colour: unknown field 'colour'" in lines
    assert any(
        line.startswith(f"{unknown}:5:10: exercise.check: no reference named 'max_pool_3d'") for line in lines
    )


def test_case_problems_are_positioned_at_the_case(tmp_path: Path):
    from quizapp.exercises.catalog import load_exercise_file

    path = FIXTURES / "broken_exercises" / "exercises" / "broken.yaml"
    fixed = tmp_path / "broken.yaml"
    fixed.write_text(path.read_text().replace("  colour: blue\n", ""))
    _loaded, problems = load_exercise_file(fixed)
    messages = [f"{p.line}:{p.column}: {p.message}" for p in problems]
    assert any(
        m.startswith("10:7: exercise.cases.1: Value error, kernel [3, 3] is larger") for m in messages
    ), messages
    assert "11:41: exercise.cases.2.kernal: unknown field 'kernal'" in messages
    assert "11:7: exercise.cases.2: missing field 'kernel'" in messages
    assert "12:14: exercise.cases.3.name: duplicate case name 'ok'" in messages


@pytest.mark.slow  # a real process: Ctrl+C is a signal to it
def test_watch_rechecks_on_every_save_and_stops_cleanly_on_ctrl_c(tmp_path: Path):
    solution = tmp_path / "mine.py"
    solution.write_text((SOLUTIONS / "wrong_overwrites_overlaps.py").read_text())
    watcher = start_watch(tmp_path / "home", "maxpool2d", solution)
    try:
        first = _read_until(watcher, "cases pass.")
        assert "5/8 cases pass." in first
        time.sleep(0.05)
        saved = tmp_path / "mine.tmp"
        saved.write_text(MODEL.read_text())
        saved.replace(solution)  # an atomic save, as most editors do: no half-written file is seen
        assert "All 8 cases pass." in _read_until(watcher, "All 8 cases pass.")
    finally:
        watcher.send_signal(signal.SIGINT)
        try:
            watcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()
            raise AssertionError(
                f"the watcher ignored Ctrl+C for 60 s; stderr:\n{_drain(watcher, 'stderr')}"
            ) from None
    err = _drain(watcher, "stderr")
    assert watcher.returncode == 0
    assert "Stopped watching." in err and "Traceback" not in err


@pytest.mark.slow  # a real process, stopped with Ctrl+C
def test_watch_waits_for_a_missing_file_and_survives_a_bad_save(tmp_path: Path):
    solution = tmp_path / "later.py"
    watcher = start_watch(tmp_path / "home", "maxpool2d", solution)
    try:
        _read_until(watcher, "no such file yet", stream="stderr")
        solution.write_bytes(b"\xff\xfe not utf-8")
        _read_until(watcher, "not UTF-8 text", stream="stderr")
        solution.write_text(MODEL.read_text())
        assert "All 8 cases pass." in _read_until(watcher, "cases pass.")
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.wait(timeout=60)
    assert watcher.returncode == 0


def start_watch(home: Path, exercise: str, solution: Path, *options: str) -> subprocess.Popen:
    """`quizapp --home HOME [OPTIONS…] exercise EXERCISE --watch SOLUTION` as a real process (Ctrl+C
    is a signal to it), its output read as UTF-8 text without colours."""
    argv = ["--home", str(home), *options, "exercise", exercise, "--watch", str(solution)]
    return subprocess.Popen(
        [sys.executable, "-m", "quizapp", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "NO_COLOR": "1"},
    )


def _read_until(process: subprocess.Popen, marker: str, timeout: float = 60, stream: str = "stdout") -> str:
    """Lines from the watcher up to the one holding `marker`; fails after `timeout` instead of hanging."""
    lines = _line_queue(process, stream)
    seen = []
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError("".join(seen))


def _drain(process: subprocess.Popen, stream: str) -> str:
    """Everything left on `stream` once the process has exited."""
    lines, text = _line_queue(process, stream), []
    while (line := lines.get(timeout=10)) is not None:
        text.append(line)
    return "".join(text)


_QUEUES: dict[tuple[int, str], queue.Queue] = {}


def _line_queue(process: subprocess.Popen, stream: str) -> queue.Queue:
    """A queue filled by a thread reading `stream`: a pipe read with a timeout, buffering or not."""
    key = (process.pid, stream)
    if key not in _QUEUES:
        lines: queue.Queue = queue.Queue()
        pipe = getattr(process, stream)

        def pump() -> None:
            with pipe:
                for line in pipe:
                    lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        _QUEUES[key] = lines
    return _QUEUES[key]


def test_the_model_solution_is_shown_only_after_a_pass(tmp_path: Path):
    before = run(tmp_path, "exercise", "maxpool2d", "--solution")
    assert before.returncode == 2 and "once you have passed" in before.stderr
    run(tmp_path, "exercise", "maxpool2d", "--check", str(MODEL))
    after = run(tmp_path, "exercise", "maxpool2d", "--solution")
    assert after.returncode == 0 and after.stdout == MODEL.read_text()


def test_a_case_too_large_to_allocate_is_a_content_problem_not_an_allocation():
    from quizapp.exercises.catalog import load_exercise_file

    _loaded, problems = load_exercise_file(FIXTURES / "broken_exercises" / "exercises" / "too_large.yaml")
    messages = [f"{p.line}: {p.message}" for p in problems]
    assert any(
        m.startswith("9: exercise.cases.0: Value error, shape [4096, 64, 512, 512] has") for m in messages
    ), messages
    assert any(
        m.startswith("10: exercise.cases.1.shape.2: Input should be less than or equal to 4096")
        for m in messages
    ), messages


def test_check_refuses_a_pipe_a_device_and_an_oversized_file_without_waiting(tmp_path: Path):
    """A FIFO blocked the read for ever (and /dev/zero was read without end), and a file too long
    for the sandbox's message came back as 'a quizapp bug: broken pipe'."""
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.py"
    huge.write_text("#" * 300_000)

    def unblock() -> None:  # were the FIFO waited on, a writer that closes at once ends the wait
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass  # nobody is waiting on it: as it should be

    watchdog = threading.Timer(20, unblock)
    watchdog.start()
    expected = {
        str(fifo): "not a regular file",
        "/dev/null": "not a regular file",
        str(huge): "a solution file is at most 128 KiB",
    }
    try:
        for path, says in expected.items():
            result = run(tmp_path / "home", "exercise", "maxpool2d", "--check", path)
            assert result.returncode == 2, (path, result.stdout, result.stderr)
            assert says in result.stderr, (path, result.stderr)
            assert "Traceback" not in result.stderr and "quizapp bug" not in result.stdout + result.stderr
    finally:
        watchdog.cancel()


def test_code_too_long_for_the_sandbox_is_refused_before_it_runs(builtin_exercises, checker):
    """Code typed or pasted in the exercise screen has no file size: the checker caps it, in
    characters that travel escaped (a euro sign takes 6 bytes in the check's JSON)."""
    maxpool = builtin_exercises.exercises["maxpool2d"]
    verdict = checker.check(maxpool, "# " + "€" * 40_000 + "\n", "mine.py")
    assert not verdict.passed and verdict.nothing_ran
    assert "too long to check" in (verdict.error or "") and "quizapp bug" not in (verdict.error or "")
    just_fits = MODEL.read_text() + "#" * 100_000 + "\n"
    assert checker.check(maxpool, just_fits, "mine.py").passed
