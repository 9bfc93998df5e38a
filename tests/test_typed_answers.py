"""Type-in cards with a fixture are judged by running: any expression that computes the card's
answer is right, in the sandbox, with the deck's fixture built from a fixed vocabulary."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from quizapp import locations
from quizapp.application.collection import Collection
from quizapp.application.study import Study
from quizapp.core.loader import load_deck_file
from quizapp.exercises.typed_run import AnswerRunner
from quizapp.tui.app import QuizApp

DECK = """\
quizapp: 1
deck: {id: run, title: Run}
cards:
  - id: run-clamp
    kind: type
    question: Limit every value of tensor `x` to [0, 1].
    answer: x.clamp(0, 1)
    fixture: {x: {tensor: {shape: [3, 4]}}}
  - id: run-isin
    kind: type
    question: Rows of `reviews` from Italy or France.
    answer: reviews.loc[reviews.country.isin(['Italy', 'France'])]
    fixture: {reviews: {dataset: wine-reviews}}
  - id: run-plain
    kind: type
    question: Two plus two?
    answer: '4'
"""


@pytest.fixture(scope="module")
def runner():
    warm = AnswerRunner()
    yield warm
    warm.close()


@pytest.fixture
def run_deck(tmp_path: Path) -> Path:
    folder = tmp_path / "run-decks"
    folder.mkdir()
    (folder / "run.yaml").write_text(DECK, encoding="utf-8")
    return folder


def builtin_type_cards_with_a_fixture() -> list[tuple[str, dict]]:
    cards = []
    for path in sorted((locations.builtin_content_dir() / "decks").glob("*.yaml")):
        for card in load_deck_file(path).cards:
            if card.kind == "type" and card.data.get("fixture"):
                cards.append((card.id, card.data))
    return cards


BUILTIN = builtin_type_cards_with_a_fixture()


def test_the_builtin_decks_give_their_pandas_and_tensor_cards_a_fixture():
    ids = {card_id for card_id, _data in BUILTIN}
    assert {
        "clamp",
        "permute-shape",
        "pandas-isin",
        "groupby-mean",
        "pandas-map-center",
        "numeric-columns",
    } <= ids


@pytest.mark.parametrize(("card_id", "data"), BUILTIN, ids=[card_id for card_id, _ in BUILTIN])
def test_every_spelling_a_builtin_card_lists_computes_its_answer(runner, card_id, data):
    """A listed spelling that computed something else would be a wrong card; this finds it."""
    answer, *others = data["answers"]
    for spelling in others:
        judgement = runner.judge(data["fixture"], spelling, answer)
        assert judgement.same is True, (spelling, judgement)


def test_right_by_result_wrong_by_result_and_what_cannot_run(runner):
    tensor = {"x": {"tensor": {"shape": [3, 4]}}}
    assert runner.judge(tensor, "torch.clip(x, min=0, max=1)", "x.clamp(0, 1)").same is True
    assert runner.judge(tensor, "x.sigmoid().clamp(0, 1) * 0 + x.clamp(0, 1)", "x.clamp(0, 1)").same is True
    wrong = runner.judge(tensor, "x.clamp(0, 2)", "x.clamp(0, 1)")
    assert wrong.same is False and wrong.detail == "different values"
    assert (
        runner.judge(tensor, "x.double().clamp(0, 1)", "x.clamp(0, 1)").detail
        == "dtype float64, expected float32"
    )
    assert runner.judge(tensor, "x.T.clamp(0, 1)", "x.clamp(0, 1)").detail == "shape (4, 3), expected (3, 4)"
    raised = runner.judge(tensor, "y.clamp(0, 1)", "x.clamp(0, 1)")
    assert raised.same is False and "NameError" in raised.detail
    assert (
        runner.judge(tensor, "x = x.clamp(0, 1)", "x.clamp(0, 1)").same is None
    )  # a statement: spelling only

    wine = {"reviews": {"dataset": "wine-reviews"}}
    answer = "reviews.loc[reviews.country.isin(['Italy', 'France'])]"
    assert runner.judge(wine, 'reviews.query(\'country in ["France", "Italy"]\')', answer).same is True
    italy_only = runner.judge(wine, "reviews[reviews.country == 'Italy']", answer)
    assert italy_only.same is False and "rows" in italy_only.detail

    columns = {"df": {"frame": {"n": [1, 2], "ok": [True, False], "s": ["a", "b"]}}}
    right = "df.select_dtypes(include='number').columns"
    assert runner.judge(columns, "df.select_dtypes('number').columns", right).same is True
    assert (
        runner.judge(columns, "df.dtypes[df.dtypes != 'object'].index", right).same is False
    )  # the notes' bug


def test_an_answer_cannot_reach_outside_the_sandbox(runner, tmp_path: Path):
    planted = tmp_path / "planted"
    tensor = {"x": {"tensor": {"shape": [2]}}}
    judgement = runner.judge(tensor, f"open({str(planted)!r}, 'w').write('x')", "x")
    assert judgement.same is not True
    assert not planted.exists()


def test_the_sitting_says_an_answer_was_accepted_by_its_result(tmp_path: Path, run_deck: Path):
    with Collection.open(tmp_path / "home", [run_deck], builtin=False) as collection:
        study = Study(collection)
        try:
            study.show_id("run-clamp")
            right = study.answer_typed("x.clip(min=0, max=1)")
            assert right.correct and right.note.startswith("Accepted by its result")
            study.show_id("run-clamp")
            wrong = study.answer_typed("x.clamp(-1, 1)")
            assert not wrong.correct and "different values" in wrong.note
            study.show_id("run-clamp")
            spelled = study.answer_typed("x.clamp(0, 1)")
            assert spelled.correct and spelled.note == ""  # a listed spelling needs no run
        finally:
            study.close()


def test_no_sandbox_starts_for_a_sitting_without_such_cards(tmp_path: Path, run_deck: Path):
    with Collection.open(tmp_path / "home", [run_deck], builtin=False) as collection:
        study = Study(collection)
        study.show_id("run-plain")
        assert not study.answer_typed("5").correct
        assert study._runner is None and study._warming is None
        study.show_id("run-isin")  # the first card that may be run starts the sandbox, in the background
        assert study._warming is not None
        study.close()


@pytest.mark.parametrize(
    ("fixture", "problem"),
    [
        ("{x: {code: 'import os'}}", "unknown field 'code'"),
        ("{__builtins__: {number: 1}}", "must be a Python name not starting with _"),
        ("{torch: {number: 1}}", "would hide the module"),
        ("{x: {dataset: /etc/passwd}}", "Input should be 'wine-reviews'"),
        ("{x: {tensor: {shape: [100000, 100000]}}}", "at most 100,000 elements"),
        ("{x: {tensor: {values: [1, '__import__']}}}", "values must be numbers"),
        ("{x: {number: 1, text: a}}", "give exactly one of"),
    ],
)
def test_a_deck_may_declare_a_fixture_only_from_the_vocabulary(tmp_path: Path, fixture: str, problem: str):
    path = tmp_path / "hostile.yaml"
    path.write_text(
        "quizapp: 1\ndeck: {id: hostile, title: H}\ncards:\n"
        f"  - id: h1\n    kind: type\n    question: q\n    answer: x\n    fixture: {fixture}\n",
        encoding="utf-8",
    )
    load = load_deck_file(path)
    assert not load.ok and not load.cards
    assert any(problem in p.message for p in load.problems), load.problems


async def test_the_study_screen_runs_a_typed_answer_without_blocking_and_says_so(
    tmp_path: Path, run_deck: Path
):
    collection = Collection.open(tmp_path / "home", [run_deck], builtin=False)
    app = QuizApp(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.show_id("run-isin")
        await pilot.pause()
        await pilot.press(*"reviews[reviews.country.isin(['France', 'Italy'])]", "enter")
        assert screen.judging  # the answer runs in a worker; the screen stays responsive
        await pilot.press("1")  # a grade key waits for the verdict instead of grading blind
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.judging
        answer = _text(screen.query_one("#answer").content)
        assert "✓ Correct" in answer and "Accepted by its result" in answer
        assert collection.db.execute("select count(*) from reviews").fetchone()[0] == 0
        await pilot.press("enter")
        assert collection.db.execute("select rating from reviews").fetchone()[0] == 3
    collection.close()


def _text(content) -> str:
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(content)
    return console.export_text()
