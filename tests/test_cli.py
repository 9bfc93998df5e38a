"""The command-line contract: exit codes, errors without tracebacks, help on every command."""

from pathlib import Path

import click
import quizapp_cli
from click.testing import CliRunner
from conftest import FIXTURES

from quizapp.cli import cli

run = quizapp_cli.invoke  # `quizapp ARGS…` in this process (click's CliRunner)


def demo_deck_of_its_own(folder: Path) -> Path:
    """The demo deck with its one id that a built-in deck also uses (`gap`) renamed, so that it
    validates against the decks it would be loaded with."""
    copy = folder / "decks" / "demo.yaml"
    copy.parent.mkdir(parents=True)
    copy.write_text((FIXTURES / "decks" / "demo.yaml").read_text().replace("id: gap", "id: demo-gap"))
    return copy


def test_validate_names_a_deck_file_or_an_exercise_file_and_checks_it_as_what_it_is(tmp_path: Path):
    deck = run("validate", str(demo_deck_of_its_own(tmp_path)))
    assert deck.returncode == 0
    assert deck.stdout == "1 deck file(s), 9 study cards, 0 exercise file(s): all valid\n"
    elsewhere = tmp_path / "maxpool.yaml"  # not in an exercises/ folder: known by its `exercise:` key
    elsewhere.write_text((FIXTURES / "exercises" / "tight_limits.yaml").read_text())
    exercise = run("validate", str(elsewhere))
    assert exercise.returncode == 0
    assert exercise.stdout == "0 deck file(s), 0 study cards, 1 exercise file(s): all valid\n"


def test_validate_exits_0_on_good_decks_and_1_with_every_problem(tmp_path: Path):
    good = run("validate", str(demo_deck_of_its_own(tmp_path).parent))
    assert good.returncode == 0, good.stderr
    assert "9 study cards, 0 exercise file(s): all valid" in good.stdout
    bad = run("validate", str(FIXTURES / "broken"))
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert len(lines) == 10
    assert all(line.startswith(str(FIXTURES / "broken")) for line in lines)
    assert "Traceback" not in bad.stderr


def test_validate_without_paths_checks_builtin_and_content_dirs(tmp_path: Path):
    result = run("--content", str(FIXTURES / "broken"), "validate")
    assert result.returncode == 1
    assert "bad.yaml:11:11" in result.stdout


def test_unknown_deck_and_missing_content_folder_are_usage_errors(tmp_path: Path):
    result = run("--home", str(tmp_path / "h"), "study", "--deck", "no-such-deck")
    assert result.returncode == 2
    assert "no such deck" in result.stderr and "Traceback" not in result.stderr
    result = run("--home", str(tmp_path / "h"), "--content", str(tmp_path / "missing"), "study")
    assert result.returncode == 2 and "no such folder" in result.stderr


def test_a_bad_config_file_is_reported_not_a_traceback(tmp_path: Path):
    home = tmp_path / "h"
    home.mkdir()
    (home / "config.toml").write_text("desired_retention = 1.5\n")
    result = run("--home", str(home), "study")
    assert result.returncode == 2
    assert "desired_retention must be a number from 0.70 to 0.99" in result.stderr


def test_first_run_creates_home_with_a_commented_config(tmp_path: Path):
    home = tmp_path / "fresh"
    result = run("--home", str(home), "study", "--deck", "x")
    assert result.returncode == 2
    assert (home / "quizapp.db").exists()
    assert "desired_retention = 0.9" in (home / "config.toml").read_text()


def test_every_command_has_help():
    commands = [[], *([name] for name in cli.commands)]
    assert {"study", "validate", "exercise", "stats"} <= set(cli.commands)
    for command in commands:
        result = CliRunner().invoke(cli, [*command, "--help"], obj={})
        assert result.exit_code == 0, command
        assert "Usage:" in result.output and len(result.output.splitlines()) > 4, command
        options = [
            p for p in (cli.commands[command[0]] if command else cli).params if isinstance(p, click.Option)
        ]
        assert all(option.help for option in options if option.name != "help"), command


def test_suspended_cards_can_be_listed_and_brought_back(tmp_path: Path):
    from quizapp.application.collection import Collection
    from quizapp.config import Settings
    from quizapp.core.study import StudySession

    home = tmp_path / "h"
    collection = Collection.open(home, [FIXTURES / "decks"], builtin=False)
    StudySession(collection.db, Settings()).suspend("conv-out")
    collection.close()
    args = ("--home", str(home), "--content", str(FIXTURES / "decks"))
    listed = run(*args, "unsuspend")
    assert listed.returncode == 0 and listed.stdout.startswith("conv-out  [demo]  Output size of a conv")
    assert run(*args, "unsuspend", "backbone").returncode == 2  # not suspended
    back = run(*args, "unsuspend", "conv-out")
    assert back.returncode == 0 and "1 card(s) back in study" in back.stdout
    assert run(*args, "unsuspend").stdout == ""
