"""Hostile text from deck and exercise files, and from their names, on every screen and in every
listing of the CLI: shown literally (never parsed as markup), with no control character reaching
the terminal, and no crash.

YAML itself refuses C0 controls, and the loader refuses the double-quoted escapes that make them
(`"\\e"`), so inside files the test uses what gets through: markup, bidi controls (U+202E) and C1
controls from escapes (`"\\x9b"`, CSI). File names carry the rest: ESC sequences that clear the
screen and set the window title.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import quizapp_cli
from conftest import T0
from test_palette import titles
from test_tui import make_app, text_of
from test_untrusted_text import acting

from quizapp.application.collection import Collection
from quizapp.application.study import Study
from quizapp.core.study import StudyFilter
from quizapp.core.untrusted import visible
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.browser import BrowserScreen
from quizapp.tui.screens.exercise import ExerciseScreen
from quizapp.tui.screens.stats import StatsScreen
from quizapp.tui.screens.study import StudyScreen

IN_NAMES = "\x1b[2J\x1b]0;pwned\x07\u202e"
"""What a file name carries: clear the screen, set the window title, reverse the text."""
MARKUP = "[bold red]x[/] [/] [link=https://evil.example]x[/link] Linux paths [/usr/bin]"
SIZE = (80, 24)

DECK = f"""\
quizapp: 1
deck:
  id: hostile
  title: '{MARKUP} \u202ertl'
  description: '[bold]description[/]'
  tags: ['[/]', '[bold]tag']
cards:
  - id: h-basic
    kind: basic
    front: "[bold red]front[/] [/] \\x9b31m \\u202e"
    back: '[link=https://evil.example]back[/link] [/usr/bin]'
    tags: ['[red]t[/red]']
    source: '[bold]src[/]'
  - id: h-reverse
    kind: reverse
    front: '[/] reverse front'
    back: '[bold red]reverse back[/]'
  - id: h-cloze
    kind: cloze
    text: 'Cloze [/] {{{{c1::[bold red]gap[/]::[link=https://evil.example]hint[/link]}}}} [/usr/bin]'
    extra: '[/] extra'
  - id: h-choice
    kind: choice
    question: 'Which [/] one?'
    options: ['[/]', '[bold red]x[/]', '[link=https://evil.example]x[/link]']
    answer: '[bold red]x[/]'
    explain: '[/] explain'
  - id: h-type
    kind: type
    question: 'Type [/] please'
    answer: '[/usr/bin]'
    explain: '[bold]why[/]'
  - id: h-bug
    kind: bug
    code: |
      print("[bold red]x[/]")
      x = 1 / 0  # [/]
    answer: '[/] divides by zero'
    fix: 'x = 1  # [bold]fixed[/]'
    line: 2
  - id: h-output
    kind: output
    code: 'print("[/] [link=https://evil.example]x[/link]")'
    output: '[/] [link=https://evil.example]x[/link]'
    explain: '[/usr/bin]'
"""

EXERCISE = f"""\
quizapp: 1
exercise:
  id: hostile-ex
  title: '{MARKUP} \u202e'
  check: smooth_l1
  prompt: "Implement [bold red]smooth_l1[/] [/] `x[t] @ W_ih.T` \\u202e"
  starter: |
    def smooth_l1(pred, target, sigma): ...
    def smooth_l1_grad(pred, target, sigma): ...
  hints:
    - '[/] first hint [bold red]x[/]'
    - '`x[t] @ W_ih.T` [link=https://evil.example]x[/link] [/usr/bin]'
  cases:
    - {{name: first, shape: [4]}}
"""


def make_hostile_folder(root: Path) -> Path:
    """A deck and an exercise file full of markup and controls, and a broken one of each, all four
    named with escape sequences (a file name cannot hold '/', so no closing tag there)."""
    folder = root / "hostile"
    (folder / "exercises").mkdir(parents=True)
    (folder / f"hostile {IN_NAMES} [bold red]x.yaml").write_text(DECK, encoding="utf-8")
    (folder / f"broken {IN_NAMES} [bold red]x.yaml").write_text(
        "quizapp: 1\ndeck: {id: broken, title: Broken}\ncards:\n"
        "  - {id: b1, kind: basic, front: q, back: a, '[bold red]x[/]': 1}\n",
        encoding="utf-8",
    )
    (folder / "exercises" / f"hostile {IN_NAMES} [bold red]x.yaml").write_text(EXERCISE, encoding="utf-8")
    (folder / "exercises" / f"broken {IN_NAMES} [bold red]x.yaml").write_text(
        "quizapp: 1\nexercise: {id: broken-ex, '[bold red]x[/]': 1}\n", encoding="utf-8"
    )
    return folder


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return make_hostile_folder(tmp_path)


@pytest.fixture
def hostile_collection(tmp_path: Path, hostile: Path):
    opened = Collection.open(tmp_path / "home", [hostile], builtin=False)
    yield opened
    opened.close()


def on_screen(app: QuizApp) -> str:
    """Every cell of the screen as the terminal would receive its text, one line per row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def shown_safely(app: QuizApp, *literal: str) -> str:
    """The screen's text, after checking that no control character is on it and that each of
    `literal` is there as written."""
    screen = on_screen(app)
    assert not acting(screen), sorted(acting(screen))
    for text in literal:
        assert text in screen, (text, screen)
    return screen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


# -- the TUI ---------------------------------------------------------------------------------------


async def test_home_shows_titles_problems_and_file_names_literally(hostile_collection, hostile, checker):
    app = make_app(hostile_collection, checker=checker)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown_safely(app, "[bold red]x[/] [/] [link=", "⚠ 1 deck file(s) skipped")
        problems = text_of(app, "#problems")
        broken = visible(str(hostile / f"broken {IN_NAMES} [bold red]x.yaml"))
        assert f"{broken}:4:46: cards.0.[bold red]x[/]: unknown field '[bold red]x[/]'" in problems
        assert not acting(problems)
        exercises = app.screen.query_one("#exercises")
        assert str(exercises.get_row_at(0)[0]) == visible(f"{MARKUP} \u202e")
        assert "⚠ 6 problem(s) in exercise files" in text_of(app, "#exercise-totals")
        await pilot.press("question_mark")  # the help panel over it
        await pilot.pause()
        shown_safely(app)
        assert app.is_running


async def test_every_kind_of_card_is_shown_literally_front_and_back(hostile_collection):
    ids = [row[0] for row in hostile_collection.db.execute("select id from cards order by id")]
    kinds = {row[0] for row in hostile_collection.db.execute("select kind from cards")}
    assert kinds == {"basic", "reverse", "cloze", "choice", "type", "bug", "output"}
    app = make_app(hostile_collection, start="study", study_filter=StudyFilter(deck="hostile"))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        await pilot.pause()
        assert text_of(app, "#progress").startswith("[bold red]x[/] [/] [link=https://evil.example]")
        for card_id in ids:
            screen.show_id(card_id)
            await pilot.pause()
            shown_safely(app)
            front = text_of(app, "#prompt")
            assert not acting(front)
            if screen.card.kind == "choice":
                right = screen.study.choices.index("[bold red]x[/]") + 1
                assert f" {right}  [bold red]x[/]" in front
                await pilot.press(str(right))
            elif screen.card.kind == "type":
                await pilot.press(*"[/usr/bin]", "enter")
            else:
                await pilot.press("space")
            await settle(pilot)
            back = text_of(app, "#answer")
            assert not acting(back), card_id
            shown_safely(app)
        screen.show_id("h-basic")
        await pilot.pause()
        assert "[bold red]front[/] [/] ⟨U+009B⟩31m ⟨U+202E⟩" in text_of(app, "#prompt")
        await pilot.press("space")
        assert "[link=https://evil.example]back[/link] [/usr/bin]" in text_of(app, "#answer")
        screen.show_id("h-cloze#c1")
        await pilot.pause()
        assert "[link=https://evil.example]hint[/link]" in text_of(app, "#prompt")
        await pilot.press("space")
        assert "[bold red]gap[/]" in text_of(app, "#answer")
        await pilot.press("1")  # graded: the summary and the header keep the title as written
        await pilot.press("question_mark")
        await pilot.pause()
        shown_safely(app)
        assert app.is_running


async def test_stats_show_deck_titles_literally(hostile_collection):
    app = make_app(hostile_collection, start="study", study_filter=StudyFilter(deck="hostile"))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await pilot.press("space", "1")
            await pilot.pause()
        app.open_stats()
        await settle(pilot)
        assert isinstance(app.screen, StatsScreen)
        shown_safely(app)
        await pilot.press("question_mark")
        await pilot.pause()
        shown_safely(app)
        assert app.is_running


async def test_the_browser_lists_and_shows_hostile_cards_literally(hostile_collection):
    app = QuizApp(hostile_collection, start="browse", browse_query="front")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BrowserScreen)
        table = app.screen.query_one("#browser-cards")
        cells = [str(cell) for index in range(table.row_count) for cell in table.get_row_at(index)]
        assert any(cell.startswith("[bold red]front[/]") for cell in cells), cells  # cut at 80 columns
        assert not acting("".join(cells))
        shown_safely(app, "[/]")
        await pilot.press("question_mark")
        await pilot.pause()
        shown_safely(app)
        assert app.is_running


async def test_the_exercise_screen_shows_its_title_prompt_and_hints_literally(hostile_collection, checker):
    app = QuizApp(hostile_collection, start="exercise", exercise_id="hostile-ex", checker=checker)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ExerciseScreen)
        shown_safely(app)
        assert text_of(app, "#exercise-title").startswith("[bold red]x[/] [/] [link=https://evil.example]")
        await pilot.press("ctrl+t", "ctrl+t")
        await pilot.pause()
        hints = text_of(app, "#exercise-hints")
        assert "Hint 1: [/] first hint [bold red]x[/]" in hints
        assert "Hint 2: x[t] @ W_ih.T [link=https://evil.example]x[/link] [/usr/bin]" in hints
        shown_safely(app)
        await pilot.press("question_mark")
        await pilot.pause()
        shown_safely(app)
        assert app.is_running


async def test_the_palette_lists_hostile_titles_literally(hostile_collection, checker):
    app = make_app(hostile_collection, checker=checker)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        for _ in range(100):  # the palette fills its list in its own task
            await pilot.pause(0.02)
            if app.screen.query_one("CommandList").option_count:
                break
        listed = titles(app)
        assert f"Study: {visible(MARKUP)} ⟨U+202E⟩rtl" in listed
        assert f"Exercise: {visible(MARKUP)} ⟨U+202E⟩" in listed
        shown_safely(app)
        # Typing searches: the matches are highlighted in the literal title, never parsed.
        await pilot.press(*"rtl")
        for _ in range(100):
            await pilot.pause(0.02)
            if f"Study: {visible(MARKUP)} ⟨U+202E⟩rtl" in titles(app):
                break
        assert f"Study: {visible(MARKUP)} ⟨U+202E⟩rtl" in titles(app)
        shown_safely(app)
        await pilot.press("escape")
        assert app.is_running


# -- the command line -------------------------------------------------------------------------------


def cli(home: Path, hostile: Path, *args: str):
    return quizapp_cli.run(home, "--content", str(hostile), *args)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("validate",), "unknown field '[bold red]x[/]'"),
        (("decks",), f"{MARKUP} ⟨U+202E⟩rtl"),
        (("tags",), "[red]t[/red]"),
        (("cards", "deck:hostile"), "[bold red]front[/] [/] ⟨U+009B⟩31m ⟨U+202E⟩"),
        (("exercise",), f"{MARKUP} ⟨U+202E⟩"),
    ],
    ids=["validate", "decks", "tags", "cards", "exercise-list"],
)
def test_cli_listings_print_hostile_text_literally_and_no_control_characters(
    tmp_path: Path, hostile: Path, args: tuple[str, ...], expected: str
):
    result = cli(tmp_path / "home", hostile, *args)
    assert result.returncode in (0, 1), result.stderr  # validate exits 1: there are problems
    assert not acting(result.stdout) and not acting(result.stderr)
    assert expected in result.stdout, result.stdout
    if args[0] in ("validate", "decks", "exercise"):  # these name the files they skip, or their problems
        assert f"broken {visible(IN_NAMES)} [bold red]x.yaml" in result.stdout + result.stderr


def test_cli_stats_json_is_ascii_and_keeps_the_titles(tmp_path: Path, hostile: Path):
    home = tmp_path / "home"
    with Collection.open(home, [hostile], builtin=False) as collection:
        now = [T0]
        study = Study(collection, StudyFilter(deck="hostile"), clock=lambda: now[0])
        card = study.next_card()
        study.grade(4)  # Easy: due in days
        now[0] = T0 + timedelta(days=30)
        study.show_id(card.id)
        study.grade(3)  # a review of a card in review: it counts for retention, per deck
    result = cli(home, hostile, "stats", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii() and not acting(result.stderr)
    decks = json.loads(result.stdout)["retention"]["by_deck"]
    assert [deck["title"] for deck in decks] == [f"{MARKUP} \u202ertl"]
