"""What each screen looks like, compared with accepted SVG snapshots (pytest-textual-snapshot), at the
two sizes the product promises: 80×24 and 120×40.

A failing comparison writes `snapshot_report.html` beside the run: look at it before accepting a new
picture with `python -m pytest tests/test_snapshots.py --snapshot-update`. The pictures depend on
textual's exact version (pinned in pyproject.toml) and on the fixture deck, never on the built-in decks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, T0
from textual.pilot import Pilot

from quizapp.application import exercises as use_cases
from quizapp.application.collection import Collection
from quizapp.core.study import StudyFilter
from quizapp.tui.app import QuizApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

# One study card of each kind in tests/fixtures/decks/demo.yaml, and the keys that turn it over.
KINDS = {
    "basic": ("conv-out", ["space"]),
    "reverse": ("backbone#rev", ["space"]),
    "cloze": ("wd#c1", ["space"]),
    "choice": ("gap", ["1"]),  # the first option shown, right or wrong
    "type": ("isin", ["d", "f", "enter"]),  # a wrong answer
    "bug": ("argwhere-and", ["space"]),
    "output": ("conv-t", ["9", "enter"]),  # the right output
}


@pytest.fixture
def demo(tmp_path: Path):
    opened = Collection.open(tmp_path / "home", [FIXTURES / "decks"], builtin=False)
    yield opened
    opened.close()


def app_on(collection: Collection, **options) -> QuizApp:
    return QuizApp(collection, clock=lambda: T0, **options)


@pytest.mark.parametrize("size", SIZES)
def test_home(snap_compare, demo, size):
    assert snap_compare(app_on(demo), terminal_size=size)


@pytest.mark.parametrize("side", ["front", "back"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", SIZES)
def test_study_card(snap_compare, demo, size, kind, side):
    card_id, turn_over = KINDS[kind]
    app = app_on(demo, start="study", study_filter=StudyFilter(card_ids=(card_id,), cram=True))
    assert snap_compare(app, press=turn_over if side == "back" else [], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_stats_after_a_few_reviews(snap_compare, demo, size):
    from quizapp.core.study import StudySession

    session = StudySession(demo.db, demo.settings)
    for minutes in range(5):
        card = session.next_card(T0.replace(minute=minutes))
        assert card is not None
        session.rate(card.id, 3, T0.replace(minute=minutes), duration_ms=4000)

    async def computed(pilot: Pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app_on(demo, start="stats"), terminal_size=size, run_before=computed)


@pytest.mark.parametrize("size", SIZES)
def test_exercise_after_a_failing_check(snap_compare, builtin_collection, checker, size, monkeypatch):
    """The built-in maxpool2d with a solution that overwrites overlapping windows: the first failing
    case is selected and its whole message shows."""
    wrong = Path(__file__).parent / "solutions" / "maxpool2d" / "wrong_overwrites_overlaps.py"
    real_check = use_cases.check_exercise

    def check_as_on_any_machine(*args, **kwargs):
        verdict = real_check(*args, **kwargs)
        # What varies from run to run (the time) and from machine to machine (the isolation the
        # kernel allows) is fixed; tests/test_sandbox_escapes.py checks the isolation itself.
        verdict.duration_s = 0.5
        verdict.isolation = ["work dir: its own in-memory filesystem", "network: none"]
        return verdict

    monkeypatch.setattr(use_cases, "check_exercise", check_as_on_any_machine)

    async def check_the_wrong_solution(pilot: Pilot) -> None:
        editor = pilot.app.screen.query_one("#exercise-editor")
        editor.cursor_blink = False  # a blinking cursor would make the picture depend on timing
        editor.load_text(wrong.read_text())
        await pilot.press("ctrl+r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    app = app_on(builtin_collection, start="exercise", exercise_id="maxpool2d", checker=checker)
    assert snap_compare(app, terminal_size=size, run_before=check_the_wrong_solution)
