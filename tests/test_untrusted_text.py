"""What the learner's code (or a file someone else wrote) puts on screen is shown, never obeyed:
no escape sequence reaches the terminal, no markup is parsed, and `--json` is strict JSON."""

import json
import math
import signal
import subprocess
from pathlib import Path

import click
import numpy as np
import pytest
import quizapp_cli
from conftest import FIXTURES
from hypothesis import given
from hypothesis import strategies as st
from test_exercise_cli import _drain, _read_until, start_watch
from test_tui import make_app, text_of
from test_tui_exercise import check_in_screen, exercise_app, wait_for_check

from quizapp.application.collection import Collection
from quizapp.core.untrusted import safe_text, visible
from quizapp.exercises.checker import CaseResult, Verdict
from quizapp.exercises.compare import compare
from quizapp.exercises.report import format_verdict, verdict_json

CLEAR_SCREEN = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;pwned\x07"
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"
HYPERLINK = "\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\"
CSI_C1 = "\x9b31m"
RLO = "\u202egnp.exe"
HOSTILE = CLEAR_SCREEN + TITLE + CLIPBOARD + HYPERLINK + CSI_C1 + RLO

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ACTING = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {chr(c) for c in range(0x7F, 0xA0)} | BIDI


def acting(text: str) -> set[str]:
    """The characters in `text` a terminal would act on (or that reorder what it shows)."""
    return {c for c in text if c in ACTING or c in "\u2028\u2029" or 0xD800 <= ord(c) <= 0xDFFF}


# -- visible() and safe_text() -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (CLEAR_SCREEN, "␛[2J␛[H"),
        (TITLE, "␛]0;pwned␇"),
        (CLIPBOARD, "␛]52;c;cm0gLXJmIH4=␇"),
        (HYPERLINK, "␛]8;;https://evil.example␛\\click me␛]8;;␛\\"),
        (CSI_C1, "⟨U+009B⟩31m"),
        ("abc\u202edef", "abc⟨U+202E⟩def"),
        ("FAIL\rPASS", "FAIL␍PASS"),
        ("line one\r\nline two\r\n", "line one\nline two\n"),
        ("rm\x7f\x08\x08", "rm␡␈␈"),
        ("a\x00b\x0bc\x0cd", "a␀b␋c␌d"),
        ("one\u2028two", "one⟨U+2028⟩two"),
        ("\u2066isolated\u2069", "⟨U+2066⟩isolated⟨U+2069⟩"),
        ("lone \ud83d surrogate", "lone ⟨U+D83D⟩ surrogate"),
        ("hidden\U000e0041\U000e0042", "hidden⟨U+E0041⟩⟨U+E0042⟩"),
    ],
)
def test_control_characters_are_shown_instead_of_acting(raw: str, shown: str):
    assert visible(raw) == shown


@pytest.mark.parametrize(
    "text",
    [
        "plain ASCII: loss = 0.5 * d**2 [1, 2] (ok) {x}",
        "中文测试：损失函数，梯度。",
        "emoji 👍🏽 🇫🇷 👩‍💻 👨‍👩‍👧 ❤️",
        "combining: e\u0301 n\u0303 o\u0308",
        "tabs\tand\nnewlines\n\n",
        "math ⟨x, y⟩ ∑ σ² ‖w‖ ⌊x⌋ — … ␛ as a literal picture",
        "Arabic مرحبا and Hebrew שלום, written as they are",
        "England 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    ],
)
def test_ordinary_text_in_any_script_passes_unchanged(text: str):
    assert visible(text) == text


DANGEROUS = sorted(ACTING | {"\n", "\u2028", "\u2029", "\udfff", "\U000e0041"})


@given(st.text(st.one_of(st.characters(codec=None, exclude_categories=()), st.sampled_from(DANGEROUS))))
def test_nothing_that_acts_survives_visible(text: str):
    shown = visible(text)
    assert not acting(shown)
    assert visible(shown) == shown  # idempotent: safe twice is the same as safe once
    shown.encode("utf-8")  # printable on any UTF-8 terminal (a lone surrogate would raise)


def test_safe_text_is_never_parsed_as_markup():
    text = safe_text("[bold red]x[/] [/] [link=https://evil.example]y" + TITLE, "dim")
    assert text.plain == "[bold red]x[/] [/] [link=https://evil.example]y␛]0;pwned␇"
    assert text.spans == [] and str(text.style) == "dim"


# -- the terminal report and --json --------------------------------------------------------------


def hostile_verdict() -> Verdict:
    """A verdict whose every untrusted field holds escapes and markup."""
    return Verdict(
        exercise="tight-limits",
        passed=False,
        device="cpu",
        duration_s=0.25,
        cases=[
            CaseResult(
                "first" + TITLE,
                False,
                "Boom" + HYPERLINK + "\nsecond line" + CSI_C1,
                {"sigma" + RLO: "1.0" + CLEAR_SCREEN},
            ),
            CaseResult("second", True, "ok", {"sigma": 3.0}, 0.0, 0.0),
        ],
        error="your code called sys.exit('[/]')" + CLIPBOARD,
        output="printed " + HOSTILE + "\nFAIL\rPASS\n",
        isolation=["seccomp" + RLO],
    )


def test_the_text_report_keeps_its_colours_and_loses_the_learners_escapes():
    text = format_verdict(hostile_verdict(), "Title" + TITLE, click.style)
    assert "\x1b" in text  # click's own colours are there…
    assert not acting(click.unstyle(text))  # …and nothing else that acts
    for mark in (
        "Title␛]0;pwned␇",
        "first␛]0;pwned␇",
        "Boom␛]8;;https://evil.example",
        "⟨U+009B⟩31m",
        "sigma⟨U+202E⟩gnp.exe=1.0␛[2J",
        "sys.exit('[/]')␛]52;c;",
        "FAIL␍PASS",
        "seccomp⟨U+202E⟩",
    ):
        assert mark in text, mark


def strict_loads(text: str) -> dict:
    """json.loads as JavaScript's JSON.parse reads it: NaN and Infinity are errors."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_json_is_ascii_strict_and_says_why_an_error_is_not_a_number():
    at_zero = compare("loss", np.array([0.5, 1.0]), np.array([0.0, 1.0]), 1e-7, 1e-7)
    non_finite = compare("loss", np.array([np.inf, 1.0]), np.array([2.0, 1.0]), 1e-7, 1e-7)
    assert math.isinf(at_zero.max_rel_err) and math.isinf(non_finite.max_abs_err)
    verdict = hostile_verdict()
    verdict.cases += [
        CaseResult("zero-expected", False, at_zero.message, {}, at_zero.max_abs_err, at_zero.max_rel_err),
        CaseResult(
            "inf-returned",
            False,
            non_finite.message,
            {"sigma": math.inf},
            non_finite.max_abs_err,
            non_finite.max_rel_err,
        ),
    ]
    out = verdict_json(verdict)
    assert out.isascii()
    data = strict_loads(out)
    assert {"exercise", "passed", "device", "duration_s", "cases"} <= set(data)
    assert data["output"] == verdict.output  # escaped for the terminal, yet exactly what was printed
    assert data["cases"][0]["name"] == "first" + TITLE
    zero, inf = data["cases"][2], data["cases"][3]
    assert {"name", "passed", "message", "max_abs_err", "max_rel_err"} <= set(zero)
    assert zero["max_abs_err"] == 0.5 and zero["max_rel_err"] is None
    assert zero["max_rel_err_reason"] == "infinite: a value differs where the expected value is 0"
    assert inf["max_abs_err"] is None and inf["max_abs_err_reason"].startswith("infinite: a NaN or ±inf")
    assert inf["max_rel_err"] is None and "max_rel_err_reason" in inf
    assert inf["params"] == {"sigma": None, "sigma_reason": "+infinity"}


# -- the command line, with the learner's code really run -----------------------------------------

HOSTILE_SOLUTION = f"""\
import numpy as np

print({HOSTILE!r})


class Boom(Exception):
    pass


def smooth_l1(pred, target, sigma):
    raise Boom({("message " + HYPERLINK + CSI_C1 + RLO)!r})


def smooth_l1_grad(pred, target, sigma):
    return np.sign(pred - target)
"""

INFINITE_SOLUTION = f"""\
import numpy as np

print({HOSTILE!r})


def smooth_l1(pred, target, sigma):
    return np.full_like(pred, np.inf)


def smooth_l1_grad(pred, target, sigma):
    d = pred - target
    return np.where(np.abs(d) < 1 / sigma**2, sigma**2 * d, np.sign(d))
"""


def run_check(home: Path, solution: Path, *args: str) -> subprocess.CompletedProcess:
    """`quizapp exercise tight-limits --check SOLUTION`, in this process (what reaches stdout is the
    point here, not the process boundary)."""
    return quizapp_cli.run(
        home, "--content", str(FIXTURES), "exercise", "tight-limits", "--check", str(solution), *args
    )


def test_check_prints_the_learners_escapes_as_visible_marks(tmp_path: Path):
    solution = tmp_path / "hostile.py"
    solution.write_text(HOSTILE_SOLUTION, encoding="utf-8")
    result = run_check(tmp_path / "home", solution)
    assert result.returncode == 1, result.stderr
    assert "\x1b" not in result.stdout + result.stderr  # not a tty: click adds no colour either
    assert not acting(result.stdout) and not acting(result.stderr)
    for mark in (
        "␛[2J",
        "␛]0;pwned␇",
        "␛]52;c;",
        "⟨U+009B⟩31m",
        "⟨U+202E⟩gnp.exe",  # printed
        "Boom: message ␛]8;;https://evil.example",
    ):  # raised
        assert mark in result.stdout, (mark, result.stdout)


def test_check_json_is_strict_ascii_json_even_for_infinite_errors(tmp_path: Path):
    solution = tmp_path / "infinite.py"
    solution.write_text(INFINITE_SOLUTION, encoding="utf-8")
    result = run_check(tmp_path / "home", solution, "--json")
    assert result.returncode == 1, result.stderr
    assert result.stdout.isascii()
    verdict = strict_loads(result.stdout)
    assert HOSTILE in verdict["output"]
    loss = verdict["cases"][0]
    assert not loss["passed"] and "values differ" in loss["message"]
    assert loss["max_abs_err"] is None and loss["max_abs_err_reason"].startswith("infinite")
    # The attempt stored for stats is the same strict JSON.
    import sqlite3

    with sqlite3.connect(tmp_path / "home" / "quizapp.db") as db:
        stored = db.execute("select verdict from exercise_attempts").fetchone()[0]
    assert strict_loads(stored)["cases"][0]["max_abs_err"] is None


@pytest.mark.slow
def test_watch_output_and_messages_are_neutralised(tmp_path: Path):
    solution = tmp_path / ("mine" + TITLE + ".py")  # even the file's name is untrusted
    solution.write_text(HOSTILE_SOLUTION, encoding="utf-8")
    watcher = start_watch(tmp_path / "home", "tight-limits", solution, "--content", str(FIXTURES))
    try:
        out = _read_until(watcher, "cases pass.")
        err = _read_until(watcher, "Ctrl+C stops.", stream="stderr")
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.wait(timeout=60)
    out += _drain(watcher, "stdout")
    err += _drain(watcher, "stderr")
    assert watcher.returncode == 0
    assert "0/2 cases pass." in out
    assert "\x1b" not in out + err and not acting(out) and not acting(err)
    assert "␛]0;pwned␇" in out and "Boom: message ␛]8;;" in out
    assert f"Watching {tmp_path}/mine␛]0;pwned␇.py" in err


# -- the exercise screen ---------------------------------------------------------------------------


@pytest.fixture
def builtin_collection(tmp_path: Path):
    opened = Collection.open(tmp_path / "home")
    yield opened
    opened.close()


MARKUP_IN_CASES = """\
import sys


class Boom(Exception):
    pass


Boom.__name__ = "[bold red]x[/"


def smooth_l1(pred, target, sigma):
    if pred.ndim == 1:
        sys.exit("[/]")
    raise Boom("[/] [link=https://evil.example]y")


def smooth_l1_grad(pred, target, sigma):
    return pred
"""


async def test_markup_in_a_verdict_is_shown_literally_and_does_not_crash_the_screen(
    builtin_collection, checker
):
    app = exercise_app(builtin_collection, checker, exercise_id="smooth-l1")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        rows = await check_in_screen(pilot, screen, MARKUP_IN_CASES)
        table = screen.query_one("#exercise-results")
        assert rows[0][1] == "example" and rows[0][0] == "✗"
        assert rows[0][2] == "your code called sys.exit('[/]'); return a value instead"
        # The exception's own line, not its first frame (`File "…"`), and its markup as typed.
        boom = next(
            i for i, row in enumerate(rows) if row[2] == "[bold red]x[/: [/] [link=https://evil.example]y"
        )
        table.move_cursor(row=boom)
        await pilot.pause()
        assert "[bold red]x[/: [/] [link=https://evil.example]y" in text_of(app, "#exercise-detail")
        # A failure of the file as a whole is the status line's headline.
        await check_in_screen(pilot, screen, 'import sys\n\nsys.exit("[bold red]x[/")\n')
        assert "your code called sys.exit('[bold red]x[/'); return a value instead" in text_of(
            app, "#exercise-status"
        )
        assert app.is_running


CONTROLS_IN_CASES = f"""\
print({HOSTILE!r})


def smooth_l1(pred, target, sigma):
    raise ValueError({("bad " + TITLE + CSI_C1 + RLO)!r})


def smooth_l1_grad(pred, target, sigma):
    return pred
"""


async def test_control_characters_in_a_verdict_never_reach_the_screen_raw(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker, exercise_id="smooth-l1")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        cells = [cell for row in await check_in_screen(pilot, screen, CONTROLS_IN_CASES) for cell in row]
        assert not acting("".join(cells))
        detail = screen.query_one("#exercise-detail").content
        assert not acting(str(detail)) and not acting(text_of(app, "#exercise-detail"))
        assert "ValueError: bad ␛]0;pwned␇⟨U+009B⟩31m⟨U+202E⟩gnp.exe" in str(detail)
        assert "␛[2J␛[H␛]0;pwned␇" in str(detail)  # what it printed
        assert not acting(text_of(app, "#exercise-status"))


async def test_the_attempt_stored_is_the_code_that_was_checked_not_the_editors_text(
    builtin_collection, checker
):
    app = exercise_app(builtin_collection, checker, exercise_id="smooth-l1")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        editor = screen.query_one("#exercise-editor")
        checked = "import time\n\ntime.sleep(0.5)\n" + screen.exercise.solution_path.read_text()
        editor.load_text(checked)
        await pilot.press("ctrl+r")
        assert screen.running
        editor.load_text("# typed while the check ran\n")
        await wait_for_check(pilot, screen)
        assert "all 6 cases pass" in text_of(app, "#exercise-status")
        attempts = list(builtin_collection.db.query("select code, passed from exercise_attempts"))
        assert attempts == [{"code": checked, "passed": 1}]
        assert editor.text == "# typed while the check ran\n"


class BrokenChecker:
    """A checker that fails the way a quizapp bug would, with markup and escapes in its message."""

    def check(self, *_args: object) -> Verdict:
        raise RuntimeError("[/] broken" + TITLE)

    def cancel(self) -> None:
        pass


async def test_a_check_that_cannot_run_says_so_and_the_screen_carries_on(builtin_collection):
    app = exercise_app(builtin_collection, BrokenChecker(), exercise_id="smooth-l1")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        await pilot.press("ctrl+r")
        await wait_for_check(pilot, screen)
        assert "The check could not run: [/] broken␛]0;pwned␇" in text_of(app, "#exercise-status")
        assert builtin_collection.db["exercise_attempts"].count == 0
        assert app.is_running


# -- text from a deck file someone else wrote --------------------------------------------------------


async def test_a_deck_files_markup_and_bidi_controls_are_shown_literally(tmp_path: Path):
    folder = tmp_path / "decks"
    folder.mkdir()
    # YAML refuses C0 controls (and the loader refuses escapes that make them), but not markup or bidi.
    (folder / "evil.yaml").write_text(
        "quizapp: 1\ndeck:\n  id: evil\n  title: '[bold red]Evil[/ \u202egnp.exe'\n"
        "cards:\n  - id: one\n    kind: basic\n    front: '[/] front \u2066x\u2069'\n    back: '[/] back \u200fy'\n",
        encoding="utf-8",
    )
    collection = Collection.open(tmp_path / "home", [folder], builtin=False)
    try:
        app = make_app(collection)
        async with app.run_test(size=(100, 30)) as pilot:
            table = app.screen.query_one("#decks")
            assert str(table.get_row_at(0)[0]) == "[bold red]Evil[/ ⟨U+202E⟩gnp.exe"
            await pilot.press("enter")
            await pilot.pause()
            assert text_of(app, "#progress").startswith("[bold red]Evil[/ ⟨U+202E⟩gnp.exe")
            assert "[/] front ⟨U+2066⟩x⟨U+2069⟩" in text_of(app, "#prompt")
            await pilot.press("space")
            assert "[/] back ⟨U+200F⟩y" in text_of(app, "#answer")
    finally:
        collection.close()
