"""The card-kind registry: every kind declares its fields, checks, study cards, prompt, faces and judge."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.core import kinds
from quizapp.core.kinds import KINDS, Answer, AnswerMode, kind_of
from quizapp.core.loader import load_deck_file

KIND_NAMES = ["basic", "bug", "choice", "cloze", "output", "reverse", "type"]


def test_the_registry_holds_every_kind_in_alphabetical_order():
    assert list(KINDS) == KIND_NAMES
    assert all(KINDS[name].name == name for name in KINDS)
    with pytest.raises(KeyError, match="unknown card kind 'flashcard'; known: basic, bug"):
        kind_of("flashcard")


def test_each_kind_model_takes_its_own_fields_only():
    for name, kind in KINDS.items():
        assert kind.fields.model_fields["kind"].annotation.__args__ == (name,)  # Literal[name]
        assert kind.fields is kind.fields  # built once


def test_the_study_path_loads_the_registry_without_pydantic():
    code = "import sys, quizapp.core.kinds, quizapp.tui.screens.study; print('pydantic' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def deck(tmp_path: Path, cards: str) -> Path:
    path = tmp_path / "d.yaml"
    path.write_text(f"quizapp: 1\ndeck: {{id: d1, title: T}}\ncards:\n{cards}", encoding="utf-8")
    return path


def test_a_reverse_card_makes_two_study_cards_with_the_sides_swapped(tmp_path: Path):
    load = load_deck_file(deck(tmp_path, "  - {id: r1, kind: reverse, front: a, back: b}\n"))
    assert [(c.id, c.data["front"], c.data["back"]) for c in load.cards] == [
        ("r1", "a", "b"),
        ("r1#rev", "b", "a"),
    ]


def test_a_cloze_card_makes_one_study_card_per_number(tmp_path: Path):
    load = load_deck_file(
        deck(tmp_path, "  - {id: c1, kind: cloze, text: '{{c1::a}} {{c2::b}} {{c1::c}}'}\n")
    )
    assert [card.id for card in load.cards] == ["c1#c1", "c1#c2"]
    front = kind_of("cloze").front("c1#c2", load.cards[1].data)
    assert front == [kinds.Prose("a […] c")]


def test_checks_report_the_field_they_are_about():
    assert list(kind_of("choice").check({"options": ["a", "b"], "answer": "c"})) == [
        ("answer", "answer matches none of the options; write the right option exactly")
    ]
    assert list(kind_of("bug").check({"code": "x = 1", "line": 3})) == [
        ("line", "line 3 is past the end of the code")
    ]
    assert list(kind_of("cloze").check({"text": "no blank"})) == [
        ("text", "cloze text has no {{c1::…}} blank")
    ]
    assert list(kind_of("basic").check({"front": 1})) == []


def test_how_each_kind_is_answered():
    modes = {name: kind.answer_mode for name, kind in KINDS.items()}
    assert modes == {
        "basic": AnswerMode.REVEAL,
        "bug": AnswerMode.REVEAL,
        "choice": AnswerMode.CHOOSE,
        "cloze": AnswerMode.REVEAL,
        "output": AnswerMode.TYPE,
        "reverse": AnswerMode.REVEAL,
        "type": AnswerMode.TYPE,
    }


def test_judges():
    typed = {"answers": ["x.sum(dim=1)", "x.sum(1)"], "case_sensitive": True}
    assert kind_of("type").judge(typed, " x.sum( 1 ); ")
    assert not kind_of("type").judge(typed, "x.mean(1)")
    printed = {"output": "tensor([1, 2])"}
    assert kind_of("output").judge(printed, "tensor([1,2])")
    assert not kind_of("output").judge({"output": ""}, "  ")  # an empty answer is never right
    choice = {"options": ["a", "b", "c"], "answer": "b"}
    assert kind_of("choice").judge(choice, "b") and not kind_of("choice").judge(choice, "a")
    with pytest.raises(NotImplementedError):
        kind_of("basic").judge({}, "anything")


def test_choices_are_shuffled_the_same_way_every_time():
    data = {"question": "q", "options": ["a", "b", "c", "d"], "answer": "a"}
    shown = kind_of("choice").choices("card-1", data)
    assert sorted(shown) == ["a", "b", "c", "d"]
    assert kind_of("choice").choices("card-1", data) == shown
    assert kinds.Options(shown) in kind_of("choice").front("card-1", data)


def test_a_wrong_typed_answer_is_shown_first_on_the_back():
    data = {"code": "print(1)", "output": "1", "explain": None, "lang": "python"}
    back = kind_of("output").back(data, Answer("2", correct=False))
    assert back[0] == kinds.Typed("2") and isinstance(back[0], kinds.Typed)
    assert not any(
        isinstance(block, kinds.Typed) for block in kind_of("output").back(data, Answer("1", True))
    )


def test_prompts_for_listings():
    assert kind_of("basic").prompt({"front": "F", "back": "B"}) == "F"
    assert kind_of("bug").prompt({"question": "", "code": "x = 1"}) == "x = 1"
    assert kind_of("output").prompt({"code": "print(1)"}) == "print(1)"


def test_a_kind_added_as_one_module_is_found(tmp_path: Path):
    """Adding a kind is one file: the registry, the deck format and the loader pick it up."""
    package = Path(kinds.__file__).parent
    code = f"""
import shutil, sys
from pathlib import Path
src = Path({str(package)!r})
dst = Path(sys.argv[1]) / "quizapp_kinds_copy"
shutil.copytree(src, dst / "quizapp" / "core" / "kinds")
(dst / "quizapp" / "core" / "kinds" / "flash.py").write_text('''
from typing import Literal
from quizapp.core.kinds.base import Kind, Prose

class Flash(Kind):
    name = "flash"
    def define_fields(self):
        from quizapp.core.kinds.fields import CardFields, Text
        class FlashCard(CardFields):
            kind: Literal["flash"]
            word: Text
        return FlashCard
    def expand(self, card):
        return [(card["id"], {{"word": card["word"]}})]
    def prompt(self, data):
        return data["word"]
    def front(self, card_id, data):
        return [Prose(data["word"])]
    def back(self, data, answer):
        return []

KIND = Flash()
''')
import quizapp.core
quizapp.core.__path__.insert(0, str(dst / "quizapp" / "core"))
from quizapp.core.loader import load_deck_file
deck = Path(sys.argv[1]) / "d.yaml"
deck.write_text("quizapp: 1\\ndeck: {{id: d1, title: T}}\\ncards:\\n  - {{id: f1, kind: flash, word: hi}}\\n")
load = load_deck_file(deck)
print(load.problems, [(c.kind, c.data) for c in load.cards])
"""
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] [('flash', {'word': 'hi', 'source': None})]"
