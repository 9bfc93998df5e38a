"""Exercise names as a learner types them: id, alias or unique prefix, any case; `next`; the path."""

from pathlib import Path

import pytest
from quizapp_cli import run
from test_tui import Clock

from quizapp.exercises.catalog import load_catalog
from quizapp.exercises.names import AmbiguousName, NameNotFound, resolve
from quizapp.exercises.path import path_order
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.exercise import ExerciseScreen
from quizapp.tui.screens.exercise_picker import ExercisePicker

MODELS = Path(__file__).parent.parent / "content" / "exercises" / "solutions"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("conv", "conv2d"),  # an alias
        ("Conv2d", "conv2d"),  # the id, in another case
        ("MAXPOOL2D", "maxpool2d"),
        ("maxpool", "maxpool2d"),
        ("bn", "batchnorm"),
        ("avg", "avgpool2d"),  # a unique prefix
        ("smooth_l1", "smooth-l1"),  # underscores for hyphens
        ("roi-al", "roi-align"),
    ],
)
def test_a_name_resolves_by_id_alias_or_unique_prefix(builtin_exercises, typed: str, meant: str):
    assert resolve(builtin_exercises, typed).id == meant


def test_an_exact_id_wins_over_a_longer_id_it_prefixes(builtin_exercises):
    # conv2d is also the start of conv2d-backward: the exact id is what the learner meant.
    assert resolve(builtin_exercises, "conv2d").id == "conv2d"


def test_a_prefix_of_several_is_ambiguous_and_lists_them_in_path_order(builtin_exercises):
    order = [exercise.id for exercise in path_order(builtin_exercises.exercises.values())]
    with pytest.raises(AmbiguousName) as raised:
        resolve(builtin_exercises, "r", order)
    ids = [exercise.id for exercise in raised.value.matches]
    assert {"roi-align", "rnn-forward", "bilinear-resize"} <= set(
        ids
    )  # bilinear-resize by its alias `resize`
    assert ids == sorted(ids, key=order.index)


def test_an_unknown_name_is_not_found(builtin_exercises):
    with pytest.raises(NameNotFound):
        resolve(builtin_exercises, "zzz")


def _exercise_file(folder: Path, exercise_id: str, aliases: str) -> None:
    (folder / f"{exercise_id}.yaml").write_text(f"""quizapp: 1
exercise:
  id: {exercise_id}
  aliases: {aliases}
  title: A test exercise
  check: smooth_l1
  prompt: Implement it.
  starter: "def smooth_l1(pred, target, sigma): ..."
  cases:
    - {{name: first, shape: [4]}}
""")


def test_an_alias_that_names_another_exercise_is_a_positioned_problem_and_ignored(tmp_path: Path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    _exercise_file(folder, "first-one", "[shared, mine]")
    _exercise_file(folder, "second-one", "[shared, first-one]")
    catalog = load_catalog([folder])
    messages = sorted(str(problem) for problem in catalog.problems)
    assert any("second-one.yaml:4:" in m and "'first-one' is also a name of first-one" in m for m in messages)
    assert any("'shared' is also a name of" in m for m in messages)
    assert resolve(catalog, "mine").id == "first-one"  # the unclashing alias still works
    assert resolve(catalog, "first-one").id == "first-one"  # an id beats another's alias
    with pytest.raises(NameNotFound):
        resolve(catalog, "shared")  # a clashing alias means neither


def test_an_alias_repeating_the_id_is_a_problem(tmp_path: Path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    _exercise_file(folder, "lonely", "[Lonely]")
    catalog = load_catalog([folder])
    assert catalog.problems and "exercise.aliases" in catalog.problems[0].message


@pytest.mark.parametrize(
    ("exercise_id", "aliases", "where"),
    [("next", "[]", "exercise.id"), ("mine", "[next]", "exercise.aliases.0")],
)
def test_next_is_not_a_name_an_exercise_may_take(tmp_path: Path, exercise_id: str, aliases: str, where: str):
    folder = tmp_path / "exercises"
    folder.mkdir()
    _exercise_file(folder, exercise_id, aliases)
    catalog = load_catalog([folder])
    assert catalog.exercises == {}
    assert [p.message.split(":")[0] for p in catalog.problems] == [where]
    assert "is reserved" in catalog.problems[0].message


def test_cli_opens_by_alias_and_lists_an_ambiguous_name_with_exit_2(tmp_path: Path):
    result = run(tmp_path, "exercise", "conv", "--starter")
    assert result.returncode == 0, result.stderr
    assert "def conv2d_forward(" in result.stdout
    ambiguous = run(tmp_path, "exercise", "r", "--starter")
    assert ambiguous.returncode == 2
    assert "Traceback" not in ambiguous.stderr
    assert "'r' could mean" in ambiguous.stderr
    assert "roi-align" in ambiguous.stderr and "rnn-forward" in ambiguous.stderr


def test_next_follows_the_path_and_the_list_shows_progress(tmp_path: Path):
    first = run(tmp_path, "exercise", "next")
    assert first.returncode == 0 and first.stdout.strip() == "maxpool2d"
    assert "0 of" in first.stderr
    passed = run(tmp_path, "exercise", "maxpool", "--check", str(MODELS / "maxpool2d.py"))
    assert passed.returncode == 0, passed.stdout
    assert run(tmp_path, "exercise", "next").stdout.strip() == "avgpool2d"
    listing = run(tmp_path, "exercise").stdout
    ids = [line.split()[0] for line in listing.splitlines() if line.startswith("  ")]
    assert ids[:3] == ["maxpool2d", "avgpool2d", "conv2d"]  # pooling, then conv: the path, not the ids
    assert ids.index("batchnorm") < ids.index("smooth-l1") < ids.index("nms") < ids.index("rnn-forward")
    assert next(line for line in listing.splitlines() if "← next" in line).split()[0] == "avgpool2d"
    assert "1 of" in listing and "passed · 0 due again" in listing


async def test_home_picker_opens_a_unique_name_and_offers_the_matches_of_an_ambiguous_one(
    builtin_collection, checker
):
    app = QuizApp(builtin_collection, checker=checker, clock=Clock())
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()  # the exercise list loads in a worker
        await pilot.pause()
        await pilot.press("o")
        picker = app.screen
        assert isinstance(picker, ExercisePicker)
        await pilot.press("r", "enter")
        options = picker.query_one("#picker-matches")
        shown = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert {"roi-align", "rnn-forward"} <= set(shown)
        assert app.screen is picker  # ambiguous: nothing opened, the choice is offered
        index = shown.index("rnn-forward")
        options.highlighted = index
        await pilot.press("enter")
        assert isinstance(app.screen, ExerciseScreen) and app.screen.exercise.id == "rnn-forward"
        await pilot.press("escape")
        await pilot.press("o", "c", "o", "n", "v", "enter")
        assert isinstance(app.screen, ExerciseScreen) and app.screen.exercise.id == "conv2d"


async def test_quizapp_exercise_with_an_ambiguous_name_opens_the_picker_on_it(builtin_collection, checker):
    """`quizapp exercise con` on a terminal: the TUI starts with the picker showing the three
    matches (the CLI lists them and exits 2 when it prints, checks or is not on a terminal)."""
    app = QuizApp(builtin_collection, start="exercise", exercise_name="con", checker=checker, clock=Clock())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ExercisePicker)
        assert picker.query_one("#picker-name").value == "con"
        options = picker.query_one("#picker-matches")
        shown = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert shown == ["conv2d", "conv2d-backward", "conv-transpose2d"]  # in the path's order
        await pilot.press("enter")  # ambiguous: the list takes the keys
        assert app.screen is picker
        await pilot.press("down", "enter")
        assert isinstance(app.screen, ExerciseScreen) and app.screen.exercise.id == "conv2d-backward"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "HomeScreen"


def test_an_ambiguous_name_is_listed_with_exit_2_off_a_terminal_and_with_a_mode(tmp_path: Path):
    for args in (("con",), ("con", "--starter"), ("con", "--check", str(MODELS / "conv2d.py"))):
        result = run(tmp_path, "exercise", *args)
        assert result.returncode == 2, args
        assert "'con' could mean 3 exercises" in result.stderr and "conv-transpose2d" in result.stderr
