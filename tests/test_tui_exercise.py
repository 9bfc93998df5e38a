"""The exercise screen and the home screen's exercises, driven with Textual's Pilot."""

from pathlib import Path

from test_tui import Clock, text_of

from quizapp.exercises.starter import starter_file
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.exercise import ExerciseScreen
from quizapp.tui.screens.home import HomeScreen

SOLUTIONS = Path(__file__).parent / "solutions"


def exercise_app(collection, checker, exercise_id="maxpool2d", **kwargs) -> QuizApp:
    return QuizApp(
        collection, start="exercise", exercise_id=exercise_id, checker=checker, clock=Clock(), **kwargs
    )


async def wait_for_check(pilot, screen: ExerciseScreen) -> None:
    """Wait on the check worker itself (no sleeping), then let its result reach the widgets."""
    await screen.app.workers.wait_for_complete()
    await pilot.pause()
    assert not screen.running


async def check_in_screen(pilot, screen: ExerciseScreen, code: str) -> list[list[str]]:
    """Put `code` in the editor, check it, and return the results table's rows as text."""
    screen.query_one("#exercise-editor").load_text(code)
    await pilot.press("ctrl+r")
    await wait_for_check(pilot, screen)
    table = screen.query_one("#exercise-results")
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_check_shows_every_case_and_stores_the_attempt(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, ExerciseScreen)
        editor = screen.query_one("#exercise-editor")
        assert "def maxpool2d_forward(x, kernel_size, stride):" in editor.text
        editor.load_text((SOLUTIONS / "maxpool2d" / "wrong_overwrites_overlaps.py").read_text())
        await pilot.press("ctrl+r")
        await wait_for_check(pilot, screen)
        table = screen.query_one("#exercise-results")
        assert table.row_count == 8
        rows = {str(table.get_row_at(i)[1]): str(table.get_row_at(i)[0]) for i in range(8)}
        assert rows["example"] == "✓" and rows["overlapping-windows"] == "✗"
        assert "5/8 cases pass" in text_of(app, "#exercise-status")
        assert "dtype float64, expected float32" in str(table.get_row_at(6)[2])
        # The learner's file holds what was checked, and the attempt is in the database.
        home = builtin_collection.home
        assert (home / "exercises" / "maxpool2d.py").read_text() == editor.text
        attempts = list(
            builtin_collection.db.query("select passed, cases_passed, via from exercise_attempts")
        )
        assert attempts == [{"passed": 0, "cases_passed": 5, "via": "tui"}]


async def test_a_pass_says_so_and_schedules_the_exercise(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker, exercise_id="smooth-l1")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        screen.query_one("#exercise-editor").load_text(screen.exercise.solution_path.read_text())
        await pilot.press("ctrl+r")
        await wait_for_check(pilot, screen)
        assert "all 6 cases pass" in text_of(app, "#exercise-status")
        assert "passed · back in 2 d" in text_of(app, "#exercise-title")
        due = builtin_collection.db.execute(
            "select due from exercise_schedule where exercise_id = 'smooth-l1'"
        ).fetchone()
        assert due is not None


async def test_hints_come_one_at_a_time(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(160, 50)) as pilot:
        assert "3 hints left" in text_of(app, "#exercise-hints")
        await pilot.press("ctrl+t")
        hints = text_of(app, "#exercise-hints")
        assert "Hint 1: Loop over output positions" in hints and "Hint 2" not in hints
        # `code` in a hint is shown as code, as on the cards, not with its backticks
        assert "the window is x[:, :, i*s : i*s+kh" in hints and "`" not in hints
        await pilot.press("ctrl+t", "ctrl+t")
        assert "Hint 3" in text_of(app, "#exercise-hints")


async def test_typing_is_saved_without_asking(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("end", *"# my note")
        await pilot.pause(0.8)
        saved = (builtin_collection.home / "exercises" / "maxpool2d.py").read_text()
        assert "# my note" in saved


async def test_a_running_check_can_be_cancelled_and_the_screen_carries_on(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker, exercise_id="fix-gradient-descent")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        screen.query_one("#exercise-editor").load_text(
            "import time\n\ndef solve(f, x0, lr, num_iters):\n    time.sleep(60)\n"
        )
        await pilot.press("ctrl+r")
        await pilot.pause(0.5)
        await pilot.press("escape")
        await wait_for_check(pilot, screen)
        assert isinstance(app.screen, ExerciseScreen)
        assert "cancelled" in text_of(app, "#exercise-status")
        # A cancelled run is not an attempt.
        assert builtin_collection.db["exercise_attempts"].count == 0
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_home_lists_exercises_and_opens_one(builtin_collection, checker):
    app = QuizApp(builtin_collection, checker=checker, clock=Clock())
    async with app.run_test(size=(120, 50)) as pilot:
        screen = app.screen
        await app.workers.wait_for_complete()  # the exercise list loads in a worker
        await pilot.pause()
        table = screen.query_one("#exercises")
        titles = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert any(title.startswith("MaxPool2d") for title in titles)
        assert all(str(table.get_row_at(i)[1]) == "new" for i in range(table.row_count))
        assert "exercises · 0 due" in text_of(app, "#exercise-totals")
        await pilot.press("e")
        row = next(i for i, title in enumerate(titles) if title.startswith("MaxPool2d"))
        table.move_cursor(row=row)
        await pilot.press("enter")
        assert isinstance(app.screen, ExerciseScreen)
        assert app.screen.exercise.id == "maxpool2d"
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_f1_lists_the_keys_of_the_exercise_screen(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("f1")
        panel = app.screen.query("HelpPanel")
        assert panel
        await pilot.press("f1")
        assert not app.screen.query("HelpPanel")


async def test_model_solution_after_a_pass_and_start_over_keeps_the_old_file(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker, exercise_id="smooth-l1")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        await pilot.press("ctrl+o")
        assert text_of(app, "#exercise-solution").strip() == ""  # not before a pass
        editor = screen.query_one("#exercise-editor")
        editor.load_text(screen.exercise.solution_path.read_text())
        await pilot.press("ctrl+r")
        await wait_for_check(pilot, screen)
        await pilot.press("ctrl+o")
        assert "Model solution" in text_of(app, "#exercise-solution")
        await pilot.press("ctrl+n")
        assert editor.text == starter_file(screen.exercise)
        kept = list((builtin_collection.home / "exercises").glob("smooth-l1.*.py"))
        assert len(kept) == 1 and kept[0].read_text() == screen.exercise.solution_path.read_text()


async def test_a_full_disk_keeps_the_code_says_why_and_puts_a_copy_elsewhere(
    builtin_collection, checker, monkeypatch, tmp_path: Path
):
    import errno

    from quizapp.exercises import workspace

    real_save = workspace.save_atomically
    disk_full = {"on": True}

    def save_on_a_full_disk(path: Path, text: str) -> None:
        if disk_full["on"] and path.parent == builtin_collection.home / "exercises":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(path, text)

    monkeypatch.setattr("quizapp.application.exercises.save_atomically", save_on_a_full_disk)
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        editor = screen.query_one("#exercise-editor")
        editor.load_text(
            "def maxpool2d_forward(x, kernel_size, stride):\n    return 'typed after the disk filled'\n"
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert any("Not saved: The disk is full" in m and "Your code is still here" in m for m in said), said
        copy = next(Path(m.split("A copy is in ")[1].rstrip(".")) for m in said if "A copy is in" in m)
        assert "typed after the disk filled" in copy.read_text()
        copy.unlink()
        # Starting over or opening $EDITOR now would swap the editor's text for the older file: refused.
        await pilot.press("ctrl+n")
        assert "typed after the disk filled" in editor.text
        # Escape does not leave the only editable copy behind at once: a second Escape would.
        await pilot.press("escape")
        assert app.screen is screen and "Escape again leaves" in text_of(app, "#exercise-status")
        disk_full["on"] = False  # space again: the next save writes what was kept
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")  # saved now: Escape leaves at once
        assert app.screen is not screen
    saved = (builtin_collection.home / "exercises" / "maxpool2d.py").read_text()
    assert "typed after the disk filled" in saved
    assert not list((builtin_collection.home / "exercises").glob(".*.tmp"))
