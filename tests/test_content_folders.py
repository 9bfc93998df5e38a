"""Your decks stay loaded: the home's `decks` folder, `content_folders` in config.toml and the
`quizapp content` command; the README's example deck loads as written; the CLI names what it skips."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from quizapp_cli import run

from quizapp import locations
from quizapp.application.collection import Collection
from quizapp.application.study import NoSuchTag, choose_cards

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example_deck() -> str:
    section = README.read_text(encoding="utf-8").split("## Your own decks", 1)[1]
    match = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert match, "the README's deck section has no yaml example"
    return match.group(1)


def test_the_readme_example_deck_loads_as_written_in_the_home_decks_folder(tmp_path: Path):
    home = tmp_path / "home"
    deck_file = locations.user_decks_dir(home) / "my-deck.yaml"
    deck_file.parent.mkdir(parents=True)
    deck_file.write_text(readme_example_deck(), encoding="utf-8")

    checked = run(home, "validate", str(deck_file))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    decks = run(home, "decks")
    assert re.search(r"^my-deck +\d+ cards +My deck$", decks.stdout, re.MULTILINE), decks.stdout
    with Collection.open(home) as collection:
        assert not collection.last_sync.problems
        kinds = dict(
            collection.db.execute("select kind, count(*) from cards where deck = 'my-deck' group by kind")
        )
        assert set(kinds) == {"basic", "cloze", "choice", "type", "output", "bug"}
        assert choose_cards(collection.db, deck="My deck").deck == "my-deck"  # a title is accepted too


def test_validate_checks_a_file_against_the_decks_it_will_be_loaded_with(tmp_path: Path):
    deck_file = tmp_path / "mine.yaml"
    deck_file.write_text(
        "quizapp: 1\ndeck: {id: mine, title: Mine}\ncards:\n"
        "  - {id: gap, kind: basic, front: GAP?, back: global average pooling}\n",
        encoding="utf-8",
    )
    result = run(tmp_path / "home", "validate", str(deck_file))
    assert result.returncode == 1
    assert f"{deck_file}:4:3: duplicate card id 'gap': already used in " in result.stdout
    assert "cnn" in result.stdout  # the built-in deck file that owns it


def test_content_add_keeps_a_folder_loaded_on_every_run_and_remove_drops_it(tmp_path: Path):
    home, folder = tmp_path / "home", tmp_path / "notes"
    folder.mkdir()
    (folder / "notes.yaml").write_text(
        "quizapp: 1\ndeck: {id: notes, title: Notes}\ncards:\n  - {id: n1, kind: basic, front: a, back: b}\n",
        encoding="utf-8",
    )
    run(home, "decks")  # first run: writes the commented config.toml
    added = run(home, "content", "add", str(folder))
    assert added.returncode == 0 and "added" in added.stdout
    config = locations.config_path(home).read_text(encoding="utf-8")
    assert "# How many new cards a day" in config  # the learner's comments survive the edit
    assert "notes" in run(home, "decks").stdout  # no --content needed
    assert "already loaded" in run(home, "content", "add", str(folder)).stdout
    assert str(folder) in run(home, "content").stdout

    assert run(home, "content", "remove", str(folder)).returncode == 0
    assert "notes" not in run(home, "decks").stdout.split()
    unknown = run(home, "content", "remove", str(folder))
    assert unknown.returncode == 2 and "is not in content_folders" in unknown.stderr


def test_a_configured_folder_that_went_missing_is_named(tmp_path: Path):
    home, folder = tmp_path / "home", tmp_path / "usb-stick"
    folder.mkdir()
    run(home, "content", "add", str(folder))
    folder.rmdir()
    assert "(missing" in run(home, "content").stdout
    with Collection.open(home) as collection:
        assert collection.missing_content_dirs == [folder.resolve()]


def test_content_folders_must_be_a_list_of_paths(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    locations.config_path(home).write_text("content_folders = '~/decks'\n", encoding="utf-8")
    result = run(home, "decks")
    assert result.returncode == 2
    assert "content_folders must be a list of folder paths" in result.stderr


def test_an_unknown_tag_lists_the_known_ones_and_tags_lists_them_with_counts(tmp_path: Path):
    home = tmp_path / "home"
    listed = run(home, "tags")
    counts = dict(line.split()[:2] for line in listed.stdout.splitlines())
    assert int(counts["pandas"]) > 0
    with Collection.open(home) as collection, pytest.raises(NoSuchTag, match=r"known: .*pandas"):
        choose_cards(collection.db, tag="nonexistent")
    assert json.loads(run(home, "stats", "--json").stdout)  # the collection is untouched by the refusal


def test_the_cli_names_each_skipped_deck_file_and_its_problem(tmp_path: Path):
    home = tmp_path / "home"
    broken = locations.user_decks_dir(home) / "broken.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("quizapp: 1\ndeck: {id: broken, title: Broken}\ncards:\n  - {id: x, kind: nope}\n")
    result = run(home, "study", "--deck", "broken")
    assert result.returncode == 2
    assert f"skipped {broken}:4:" in result.stderr
    assert "1 deck file(s) were skipped" in result.stderr
