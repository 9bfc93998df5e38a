"""The exercise screen shows why a check failed, scrolls its prompt from the keyboard, and its
editor indents like a Python editor. Driven with Pilot; waits on the check worker, never sleeps."""

import io

import pytest
from rich.console import Console
from test_tui_exercise import SOLUTIONS, check_in_screen, exercise_app, wait_for_check

from quizapp.exercises.hints import hints_shown
from quizapp.exercises.starter import starter_file


def screen_text(app, widget) -> str:
    """What the terminal shows inside `widget`'s region, as plain text."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        record=True,
        force_terminal=True,
        color_system=None,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    lines = console.export_text().splitlines()
    region = widget.scrollable_content_region  # without its scrollbar
    return "\n".join(line[region.x : region.right] for line in lines[region.y : region.bottom])


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_after_a_failing_check_the_first_failing_case_and_its_whole_message_are_on_screen(
    builtin_collection, checker, size
):
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        rows = await check_in_screen(
            pilot, screen, (SOLUTIONS / "maxpool2d" / "wrong_overwrites_overlaps.py").read_text()
        )
        first_failing = next(i for i, row in enumerate(rows) if row[0] == "✗")
        table = screen.query_one("#exercise-results")
        assert table.cursor_row == first_failing
        case = screen.verdict.cases[first_failing]
        assert "first at" in case.message and "expected" in case.message and "allowed" in case.message
        shown = screen_text(app, screen.query_one("#exercise-detail-pane"))
        assert squeezed(case.message) in squeezed(shown), shown
        assert case.name in shown
        # ↓ moves to the next case and shows its message instead
        table.focus()
        await pilot.press("down")
        assert squeezed(screen.verdict.cases[first_failing + 1].name) in squeezed(
            screen_text(app, screen.query_one("#exercise-detail-pane"))
        )


async def test_the_table_shows_the_exception_line_not_the_first_frame(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(120, 40)) as pilot:
        code = (
            "import numpy as np\n\ndef maxpool2d_forward(x, kernel_size, stride):\n    return helper(x)\n\n"
            "def helper(x):\n    raise ValueError('window too large')\n\n"
            "def maxpool2d_backward(dout, x, kernel_size, stride):\n    return x\n"
        )
        rows = await check_in_screen(pilot, app.screen, code)
        assert rows[0][2] == "ValueError: window too large"
        assert 'File "' in app.screen.verdict.cases[0].message  # the frames are still in the detail


async def test_a_file_that_does_not_load_says_not_run_and_shows_the_error(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await check_in_screen(pilot, app.screen, "def maxpool2d_forward(x:\n")
        assert all(row[0] == "·" for row in rows)
        shown = screen_text(app, app.screen.query_one("#exercise-detail-pane"))
        assert "SyntaxError" in shown and "Noneofthe8casesran" in squeezed(shown)


async def test_the_prompt_pane_scrolls_from_the_keyboard(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker, exercise_id="roi-align")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        info = screen.query_one("#exercise-info")
        assert info.max_scroll_y > 0  # the prompt is longer than the pane
        await pilot.press("alt+down")  # from the editor, without leaving it
        assert info.scroll_y > 0 and screen.focused is screen.query_one("#exercise-editor")
        await pilot.press("alt+up")
        assert info.scroll_y == 0
        await pilot.press("f2")
        assert screen.focused is info
        await pilot.press("end")
        assert info.scroll_y == info.max_scroll_y
        await pilot.press("f2")
        assert screen.focused is screen.query_one("#exercise-editor")


async def test_the_model_solution_is_reachable_from_the_keyboard(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker, exercise_id="roi-align")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await check_in_screen(pilot, screen, screen.exercise.solution_path.read_text())
        await pilot.press("ctrl+o")
        await pilot.pause()
        info = screen.query_one("#exercise-info")
        await pilot.press("f2", "end")
        await pilot.pause()
        solution_tail = screen.exercise.solution_path.read_text().rstrip().splitlines()[-1].strip()
        assert squeezed(solution_tail) in squeezed(screen_text(app, info))


async def test_the_editor_keeps_indentation_and_indents_after_a_colon(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = app.screen.query_one("#exercise-editor")
        editor.load_text("")
        await pilot.press(*"def f(x):", "enter", *"y = x", "enter", *"for i in y:", "enter", *"pass")
        assert editor.text == "def f(x):\n    y = x\n    for i in y:\n        pass"


async def test_hints_revealed_on_the_command_line_are_shown_and_counted_together(builtin_collection, checker):
    from quizapp.exercises.hints import remember_hints_shown

    remember_hints_shown(builtin_collection.home, "maxpool2d", 2)
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(120, 40)) as pilot:
        hints = str(app.screen.query_one("#exercise-hints").content)
        assert "Hint 2:" in hints and "Hint 3" not in hints
        await pilot.press("ctrl+t")
        assert hints_shown(builtin_collection.home, "maxpool2d") == 3


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_line_being_edited_stays_in_view_when_the_results_open_under_the_editor(
    builtin_collection, checker, size
):
    """The results panel takes half the editor's height: the learner's line at the end of the file
    used to end up under it, with lines from the docstring on screen instead."""
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        editor = screen.query_one("#exercise-editor")
        code = starter_file(screen.exercise) + "\n\ndef last_line_typed():\n    return 'still in view'\n"
        editor.load_text(code)
        editor.move_cursor(editor.document.end)
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_for_check(pilot, screen)
        await pilot.pause()
        assert screen.query_one("#exercise-results-pane").display
        row = editor.cursor_location[0]
        assert editor.scroll_y <= row < editor.scroll_y + editor.scrollable_content_region.height
        assert "still in view" in screen_text(app, editor)
