"""The decks quizapp ships: valid, varied, and their 'what does this print' cards are true."""

import subprocess
import sys

import pytest

from quizapp import locations
from quizapp.core import answers
from quizapp.core.loader import cross_file_problems, find_deck_files, load_deck_file

LOADS = [load_deck_file(path) for path in find_deck_files([locations.builtin_content_dir()])]
CARDS = [card for load in LOADS for card in load.cards]


def test_builtin_decks_are_valid_and_ids_unique_across_decks():
    cross_file_problems(LOADS, {})
    assert [str(p) for load in LOADS for p in load.problems] == []
    assert len({load.deck_id for load in LOADS}) == len(LOADS) >= 5


def test_at_least_60_cards_spanning_every_kind():
    notes = {card.note_id: card.kind for card in CARDS}
    assert len(notes) >= 60
    assert set(notes.values()) == {"basic", "reverse", "cloze", "choice", "type", "bug", "output"}


def test_every_type_in_answer_matches_itself_and_its_alternatives():
    for card in CARDS:
        if card.kind == "type":
            for accepted in card.data["answers"]:
                assert answers.matches(accepted, card.data["answers"], case_sensitive=card.data["case_sensitive"])


@pytest.mark.parametrize("card", [c for c in CARDS if c.kind == "output"], ids=lambda c: c.id)
def test_output_cards_print_what_they_claim(card):
    result = subprocess.run([sys.executable, "-c", card.data["code"]], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert answers.normalise(result.stdout) == answers.normalise(card.data["output"])
