"""The exercise use cases (quizapp.application.exercises) and the typed checker under them: one
rule for what an attempt is, one redo policy for the screen and --watch, statuses instead of
re-parsed messages, the --json shape, and torch kept out of the TUI's checker."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import T0

from quizapp.application import exercises as use_cases
from quizapp.exercises.report import verdict_json
from quizapp.exercises.starter import starter_file
from quizapp.exercises.verdict import CaseResult, CaseStatus, Verdict

MODEL = Path(__file__).parent.parent / "content" / "exercises" / "solutions" / "maxpool2d.py"
SMOOTH_L1 = "import numpy as np\n\ndef smooth_l1(pred, target, sigma):\n    {body}\n\ndef smooth_l1_grad(pred, target, sigma):\n    return pred\n"


def passing(exercise_id: str = "maxpool2d") -> Verdict:
    return Verdict(exercise_id, True, "cpu", 0.1, [CaseResult("a", True, "ok")])


def attempts(collection) -> list[dict]:
    return list(collection.db.query("select code, passed, via, rating from exercise_attempts order by id"))


# -- recording an attempt --------------------------------------------------------------------------


def test_an_attempt_is_stored_with_the_code_that_ran_and_graded_when_due(builtin_collection):
    exercise = builtin_collection.catalog.get("maxpool2d")
    recorded = use_cases.record_attempt(builtin_collection, exercise, "mine", passing(), T0, "tui")
    assert recorded.stored and recorded.rating is not None
    again = use_cases.record_attempt(builtin_collection, exercise, "mine 2", passing(), T0, "check")
    assert again.stored and again.rating is None  # not due any more: practice
    assert [(row["code"], row["via"]) for row in attempts(builtin_collection)] == [
        ("mine", "tui"),
        ("mine 2", "check"),
    ]


@pytest.mark.parametrize(
    "verdict",
    [
        Verdict("maxpool2d", False, "cpu", cancelled=True),
        Verdict("maxpool2d", False, "cpu", error="the reference failed", exercise_broken=True),
    ],
    ids=["cancelled", "broken-exercise"],
)
def test_cancelled_checks_and_broken_exercises_are_not_attempts(builtin_collection, verdict):
    exercise = builtin_collection.catalog.get("maxpool2d")
    recorded = use_cases.record_attempt(builtin_collection, exercise, "mine", verdict, T0, "tui")
    assert not recorded.stored and attempts(builtin_collection) == []


def test_the_untouched_starter_is_not_an_attempt_in_any_front_end(builtin_collection):
    exercise = builtin_collection.catalog.get("maxpool2d")
    failing = Verdict("maxpool2d", False, "cpu", 0.1, [CaseResult("a", False, "dx: differs")])
    for via in ("tui", "check", "watch"):
        recorded = use_cases.record_attempt(
            builtin_collection, exercise, starter_file(exercise), failing, T0, via
        )
        assert recorded == use_cases.RecordedAttempt(stored=False, untouched_starter=True)
    assert attempts(builtin_collection) == []
    assert use_cases.exercise_status(builtin_collection, "maxpool2d").label(T0) == "new"


# -- opening: the redo policy ----------------------------------------------------------------------


def test_a_passed_exercise_that_is_due_again_opens_from_scratch(builtin_collection):
    exercise = builtin_collection.catalog.get("maxpool2d")
    first = use_cases.open_exercise(builtin_collection, exercise, T0)
    assert not first.redo and first.notice is None
    first.path.write_text("my solution\n")
    use_cases.record_attempt(builtin_collection, exercise, "my solution\n", passing(), T0, "tui")
    tomorrow = use_cases.open_exercise(builtin_collection, exercise, T0 + timedelta(hours=1))
    assert not tomorrow.redo and tomorrow.path.read_text() == "my solution\n"  # not due yet
    due = use_cases.exercise_status(builtin_collection, "maxpool2d").due
    later = use_cases.open_exercise(builtin_collection, exercise, due + timedelta(seconds=1))
    assert later.redo and later.kept is not None and later.kept.read_text() == "my solution\n"
    assert later.path.read_text() == starter_file(exercise)
    assert later.notice and "Due again: redo it from scratch." in later.notice


def test_watch_without_a_file_applies_the_redo_policy_too(builtin_collection, monkeypatch, capsys):
    from quizapp.cli import exercise as commands

    exercise = builtin_collection.catalog.get("maxpool2d")
    workspace = use_cases.open_exercise(builtin_collection, exercise, T0).path
    workspace.write_text(MODEL.read_text())
    long_ago = T0 - timedelta(days=3650)
    use_cases.record_attempt(builtin_collection, exercise, MODEL.read_text(), passing(), long_ago, "check")
    sleeps = []

    def one_round(_seconds: float) -> None:
        sleeps.append(_seconds)
        if len(sleeps) == 2:  # the file has held still once and been checked: stop, as Ctrl+C does
            raise KeyboardInterrupt

    monkeypatch.setattr(commands.time, "sleep", one_round)
    assert commands.watch(builtin_collection, exercise, None, "cpu") == 0
    captured = capsys.readouterr()
    assert "Due again: redo it from scratch." in captured.err
    assert workspace.read_text() == starter_file(exercise)  # the starter, checked but not stored
    assert "not stored as an attempt" in captured.err


# -- statuses and the JSON shape -------------------------------------------------------------------


def test_each_case_says_how_it_ended(tight_exercise, checker):
    syntax = checker.check(tight_exercise, "def smooth_l1(:\n", "mine.py")
    assert [case.status for case in syntax.cases] == [CaseStatus.NOT_RUN] * 2 and syntax.nothing_ran
    raised = checker.check(tight_exercise, SMOOTH_L1.format(body="raise ValueError('no')"), "mine.py")
    assert [case.status for case in raised.cases] == [CaseStatus.ERROR] * 2
    slow = checker.check(tight_exercise, SMOOTH_L1.format(body="while True: pass"), "mine.py")
    assert slow.cases[0].status is CaseStatus.STOPPED and slow.cases[1].status is CaseStatus.NOT_RUN
    wrong = checker.check(tight_exercise, SMOOTH_L1.format(body="return pred * 0"), "mine.py")
    assert CaseStatus.FAILED in {case.status for case in wrong.cases}


def test_a_status_and_passed_cannot_disagree():
    with pytest.raises(ValueError):
        CaseResult("a", True, "ok", status=CaseStatus.FAILED)
    assert CaseResult("a", False, "x").status is CaseStatus.FAILED


def test_the_json_keeps_its_shape(tight_exercise, checker):
    verdict = checker.check(tight_exercise, "def smooth_l1(:\n", "mine.py")
    data = json.loads(verdict_json(verdict))
    assert list(data) == [
        "exercise",
        "passed",
        "device",
        "duration_s",
        "cases",
        "error",
        "output",
        "isolation",
        "cancelled",
        "exercise_broken",
    ]
    assert [list(case) for case in data["cases"]] == [
        ["name", "passed", "message", "params", "max_abs_err", "max_rel_err"]
    ] * 2
    assert data["cases"][0]["message"] == "not run"  # what stored attempts and the stats read


# -- torch stays out of the TUI ------------------------------------------------------------------------


def test_no_import_path_leads_from_the_tui_to_torch_or_the_references():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("quizapp", include_external_packages=True)
    for screen in ("quizapp.tui.screens.exercise", "quizapp.tui.app", "quizapp.application.exercises"):
        for target in ("torch", "quizapp.exercises.references"):
            assert graph.find_shortest_chain(importer=screen, imported=target) is None, (screen, target)


TUI_CHECK = """
import sys
from pathlib import Path
from quizapp import locations
from quizapp.exercises.catalog import load_catalog
from quizapp.exercises.checker import Checker
exercise = load_catalog([locations.builtin_content_dir()]).get("maxpool2d")
checker = Checker(cache_dir=Path(sys.argv[1]))
try:
    verdict = checker.check(exercise, Path(sys.argv[2]).read_text(), "mine.py")
finally:
    checker.close()
print(verdict.summary, "torch" in sys.modules)
"""


@pytest.mark.slow  # a fresh process, its reference helper and its sandbox host
def test_the_tuis_checker_gets_references_from_a_helper_and_never_imports_torch(tmp_path: Path):
    for _ in range(2):  # a cold cache (the helper builds), then a warm one (no helper)
        ran = subprocess.run(
            [sys.executable, "-c", TUI_CHECK, str(tmp_path / "cache"), str(MODEL)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.strip() == "all 8 cases pass False"
