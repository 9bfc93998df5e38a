"""Deck and exercise files are untrusted: whatever they hold, reading one gives data or positioned
problems, never an exception and never a hang (issue 16)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from quizapp import locations
from quizapp.application.collection import Collection
from quizapp.core import loader
from quizapp.core.loader import load_deck_file
from quizapp.core.yaml_source import MAX_ALIAS_COPIES, MAX_DEPTH, YamlDocument
from quizapp.exercises.catalog import load_exercise_file

CONTENT = locations.builtin_content_dir()
DECK_HEAD = "quizapp: 1\ndeck:\n  id: hostile\n  title: Hostile\n"


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    load = load_deck_file(path, check_formulas=True)
    assert not load.cards, "a file with problems gives no cards"
    return [f"{p.line}:{p.column}: {p.message}" for p in load.problems]


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("!!float abc", "'abc' is not a valid !!float"),
        ("!!int 12abc", "'12abc' is not a valid !!int"),
        ("!!timestamp yesterday", "'yesterday' is not a valid !!timestamp"),
        ("!!python/name:os.system x", "the tag !!python/name:os.system is not allowed"),
        ("!custom x", "the tag !custom is not allowed"),
    ],
)
def test_a_tag_that_cannot_be_read_is_a_positioned_problem(tmp_path: Path, value: str, said: str):
    text = DECK_HEAD + f"cards:\n  - id: aa\n    kind: basic\n    front: {value}\n    back: b\n"
    problems = problems_of(tmp_path, text)
    assert any(p.startswith("8:12: ") and said in p for p in problems), problems


def test_a_tagged_mapping_is_refused_not_built(tmp_path: Path):
    problems = problems_of(tmp_path, DECK_HEAD + "cards:\n  - !!python/object:os.system {}\n")
    assert any(p.startswith("6:5: ") and "is not allowed here" in p for p in problems), problems


# 200 levels: libyaml composes it and our own walk refuses it; 5,000: libyaml (0.2.6 and newer, as
# in PyYAML 6.0.4's wheels) stops at its own 1,000 first, and the problem must read the same.
@pytest.mark.parametrize("levels", [200, 5000])
def test_nesting_past_the_limit_is_refused_at_its_line(tmp_path: Path, levels: int):
    deep = "[" * levels + "]" * levels
    problems = problems_of(tmp_path, DECK_HEAD + f"  tags: {deep}\ncards: []\n")
    # the root is level 1, deck: 2, tags: 3 at column 9: level MAX_DEPTH + 1 is that many brackets on
    assert problems == [f"5:{9 + MAX_DEPTH - 2}: nested deeper than {MAX_DEPTH} levels"]


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path):
    lines = [
        DECK_HEAD.rstrip("\n"),
        '  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    lines += ["  tags: *a9", "cards: []"]
    problems = problems_of(tmp_path, "\n".join(lines) + "\n")
    assert len(problems) == 1 and f"aliases repeat more than {MAX_ALIAS_COPIES:,} values" in problems[0]


def test_a_few_honest_aliases_still_work(tmp_path: Path):
    text = DECK_HEAD + (
        "  tags: &shared [cnn]\n"
        "cards:\n"
        "  - {id: aa, kind: basic, front: A?, back: a, tags: *shared}\n"
        "  - {id: bb, kind: basic, front: B?, back: b, tags: *shared}\n"
    )
    path = tmp_path / "honest.yaml"
    path.write_text(text)
    load = load_deck_file(path)
    assert load.problems == [] and len(load.cards) == 2


def test_a_deck_file_over_the_size_limit_is_skipped_from_its_size_alone(tmp_path: Path, monkeypatch):
    folder = tmp_path / "decks"
    folder.mkdir()
    huge = folder / "huge.yaml"
    with huge.open("wb") as file:  # sparse: 210 MB on paper, nothing on disk
        file.truncate(210 * 1024 * 1024)
    (folder / "small.yaml").write_text(DECK_HEAD + "cards:\n  - {id: aa, kind: basic, front: q, back: a}\n")
    read = []
    monkeypatch.setattr(YamlDocument, "__init__", lambda self, path, text: read.append(path))
    load = load_deck_file(huge)
    assert [str(p) for p in load.problems] == [
        f"{huge}:1:1: 210 MB, more than the 64 MB a deck file may be; split it into several files"
    ]
    assert read == []  # refused before any parsing (and the read was capped: see read_capped)
    monkeypatch.undo()
    with Collection.open(tmp_path / "home", [folder], builtin=False) as collection:
        assert collection.last_sync.skipped_files == [str(huge)]
        assert [row[0] for row in collection.db.execute("select id from decks")] == ["hostile"]


def test_a_file_just_over_the_limit_is_not_called_as_big_as_the_limit(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(loader, "MAX_DECK_BYTES", 1024 * 1024)
    path = tmp_path / "over.yaml"
    path.write_text(DECK_HEAD + "cards: []\n" + "#" * (1024 * 1024))
    (problem,) = load_deck_file(path).problems
    assert problem.message.startswith("1.1 MB, more than the 1 MB a deck file may be")


def test_a_deck_file_with_too_many_cards_is_skipped_at_its_cards(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(loader, "MAX_CARDS_PER_FILE", 10)
    cards = "".join(f"  - {{id: c{i}, kind: basic, front: q, back: a}}\n" for i in range(11))
    problems = problems_of(tmp_path, DECK_HEAD + "cards:\n" + cards)
    assert problems == ["6:3: 11 cards, more than the 10 a deck file may hold; split it into several files"]


def test_a_fifo_named_like_a_deck_is_refused_not_waited_on(tmp_path: Path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert [p.message for p in load_deck_file(fifo).problems] == [
        "not a regular file, so not read as a deck file"
    ]


def _mutants(text: str, rng: random.Random, count: int) -> list[str]:
    """Small edits of a real file with YAML's sharp edges: anchors, aliases, tags, brackets, tabs."""
    pieces = [
        "&a ",
        "*a",
        "!!float ",
        "!!int x",
        "!!binary ",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "- ",
        "\t",
        "'",
        '"',
        "\\",
        "<<: *a",
        "\x00",
        "%YAML 1.1\n",
        "---\n",
        "? ",
        "|",
        ">",
    ]
    mutants = []
    for _ in range(count):
        chars = list(text)
        for _edit in range(rng.randint(1, 4)):
            at = rng.randrange(len(chars) + 1)
            choice = rng.random()
            if choice < 0.5:
                chars[at:at] = rng.choice(pieces)
            elif choice < 0.8:
                del chars[at : at + rng.randint(1, 20)]
            else:
                chars[at:at] = chars[rng.randrange(len(chars)) :][: rng.randint(1, 40)]
        mutants.append("".join(chars))
    return mutants


@pytest.mark.parametrize("folder", ["decks", "exercises"])
def test_a_mutation_fuzzer_over_the_builtin_files_finds_no_exception(tmp_path: Path, folder: str):
    rng = random.Random(20261123)
    files = (
        sorted((CONTENT / folder).glob("*.yaml"))
        if folder == "exercises"
        else sorted(p for p in CONTENT.rglob("*.yaml") if "exercises" not in p.parts)
    )
    assert files
    target = tmp_path / ("exercises" if folder == "exercises" else "decks") / "mutant.yaml"
    target.parent.mkdir()
    tried = 0
    for source in files:
        for mutant in _mutants(source.read_text(encoding="utf-8"), rng, 40):
            target.write_text(mutant, encoding="utf-8")
            if folder == "exercises":
                exercise, problems = load_exercise_file(target, check_formulas=True)
                assert exercise is not None or problems
            else:
                load_deck_file(target, check_formulas=True)  # problems or cards, never an exception
            tried += 1
    assert tried >= 40 * len(files)


def test_the_yaml_reader_itself_never_raises_on_garbage():
    rng = random.Random(7)
    alphabet = "ab:-[]{}&*!|>'\"\n\t #%@`,?<=0123456789."
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        document = YamlDocument(Path("garbage.yaml"), text)  # the test: this never raises
        assert all(problem.line >= 1 and problem.column >= 1 for problem in document.problems)
