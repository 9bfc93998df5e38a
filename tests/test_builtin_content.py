"""The decks quizapp ships: valid, varied, and their 'what does this print' cards are true."""

import json
import re
import subprocess
import sys
from pathlib import Path

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


def test_at_least_250_cards_spanning_every_kind():
    notes = {card.note_id: card.kind for card in CARDS}
    assert len(notes) >= 250
    assert set(notes.values()) == {"basic", "reverse", "cloze", "choice", "type", "bug", "output"}


def test_every_card_says_where_it_comes_from_and_has_a_tag():
    for card in CARDS:
        assert card.data["source"] and card.data["source"].startswith("seeds/"), card.id
        assert card.tags, card.id


def test_every_cloze_blanks_something_and_every_choice_has_exactly_one_right_option():
    from quizapp.core import cloze

    for card in CARDS:
        if card.kind == "cloze":
            assert card.data["cloze"] in cloze.numbers(card.data["text"]), card.id
        if card.kind == "choice":
            options = card.data["options"]
            assert len(set(options)) == len(options), card.id
            assert options.count(card.data["answer"]) == 1, card.id
        if card.kind == "bug" and card.data["line"]:
            assert card.data["line"] <= len(card.data["code"].splitlines()), card.id


# One phrase per line of the seeds' inventory (../shared/seeds/README.md): each must be taught.
INVENTORY = [
    "argwhere",
    "nonzero",
    "uint8",
    "sigma",
    "bbox_inside_weights",
    "transposed conv",
    "title",
    "optimizer",
    "set_epoch",
    "MASTER_ADDR",
    "all_gather",
    "SyncBatchNorm",
    "broadcast",
    "torch.where",
    "index_select",
    "unsqueeze",
    "clamp",
    "permute",
    "repeat_interleave",
    "warpAffine",
    "backbone",
    "neck",
    "bottleneck",
    "AdaptiveAvgPool2d",
    "embedding",
    "pretext",
    "temperature",
    "warm-up",
    "end-to-end",
    "domain generalisation",
    "CutMix",
    "OHEM",
    "GHM",
    "PISA",
    "CSPDarknet",
    "anchor-free",
    "ASPP",
    "BiFPN",
    "CSP",
    "Mish",
    "hard-Swish",
    "DIoU",
    "DropBlock",
    "DropPath",
    "FRN",
    "Cross-Iteration",
    "label smoothing",
    "standardisation",
    "early stopping",
    "Conv3d",
    "exploding",
    "multi-label",
    "track_running_stats",
    "affine",
    "momentum",
    "triplet",
    "dilation",
    "groups",
    "FPN",
    "K-fold",
    "lasso",
    "Jacobian",
    "ToTensor",
    "Resize",
    "Normalize",
    "GELU",
    "PReLU",
    "CrossEntropyLoss",
    "weight_decay",
    "iloc",
    "set_index",
    "isin",
    "isnull",
    "describe",
    "value_counts",
    "groupby",
    "sort_values",
    "astype",
    "replace",
    "fillna",
    "rename",
    "dtypes",
    "get_dummies",
    "agent",
    "reward",
    "two sources of randomness",
    "dataformats",
    "batch_first",
    "num_layers",
    "torch.stack",
    "o = s(i - 1) + k",
    "erosion",
    "opening",
    "closing",
    "Pre-LN",
    "CBR",
    "bicubic",
    "align_corners",
    "depthwise",
    "Inception",
    "RPN",
    "RoI Pool",
    "RoI Align",
    "U-Net",
    "TransUNet",
    "patch merging",
    "SW-MSA",
    "CenterNet",
    "snake",
    "cyclic shift",
]


def test_every_topic_of_the_notes_has_a_card():
    texts = " ".join(json.dumps(card.data, ensure_ascii=False) for card in CARDS).lower()
    missing = [phrase for phrase in INVENTORY if phrase.lower() not in texts]
    assert missing == []


def test_every_type_in_answer_matches_itself_and_its_alternatives():
    for card in CARDS:
        if card.kind == "type":
            for accepted in card.data["answers"]:
                assert answers.matches(
                    accepted, card.data["answers"], case_sensitive=card.data["case_sensitive"]
                )


OUTPUT_CARDS = [c for c in CARDS if c.kind == "output"]

# Runs each card's code as a script would run, in a fork of one process that imported NumPy and
# torch once (a fresh interpreter per card paid `import torch` 19 times: 22 s of the suite).
RUN_EACH_IN_A_FORK = r"""
import json, os, sys, tempfile
import numpy, torch
results = {}
for card_id, code in json.load(sys.stdin).items():
    read, write = os.pipe()
    errors = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.dup2(write, 1)
        os.dup2(errors.fileno(), 2)
        try:
            exec(compile(code, card_id, "exec"), {"__name__": "__main__"})
            status = 0
        except BaseException:
            import traceback
            traceback.print_exc()
            status = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    os.close(write)
    with os.fdopen(read) as printed:
        out = printed.read()
    _, status = os.waitpid(pid, 0)
    errors.seek(0)
    results[card_id] = [os.waitstatus_to_exitcode(status), out, errors.read().decode(errors="replace")]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def printed_by_output_cards() -> dict[str, list]:
    codes = {card.id: card.data["code"] for card in OUTPUT_CARDS}
    result = subprocess.run(
        [sys.executable, "-c", RUN_EACH_IN_A_FORK],
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("card", OUTPUT_CARDS, ids=lambda c: c.id)
def test_output_cards_print_what_they_claim(card, printed_by_output_cards):
    status, out, errors = printed_by_output_cards[card.id]
    assert status == 0, errors
    assert answers.normalise(out) == answers.normalise(card.data["output"])


def test_a_theme_can_be_studied_alone(tmp_path):
    from conftest import T0

    from quizapp.application.collection import Collection
    from quizapp.config import Settings
    from quizapp.core.study import StudyFilter, StudySession

    collection = Collection.open(tmp_path / "home")
    try:
        session = StudySession(collection.db, Settings(), StudyFilter(tag="detection"), new_limit=10**6)
        tagged = {card.id for card in CARDS if "detection" in card.tags}
        assert len(tagged) >= 30
        assert session.counts(T0).new == len(tagged)
        card = session.next_card(T0)
        assert card.id in tagged
    finally:
        collection.close()


def test_at_least_12_builtin_exercises_with_tags_and_sources(builtin_exercises):
    assert len(builtin_exercises.exercises) >= 12
    for exercise in builtin_exercises.exercises.values():
        assert exercise.spec.tags and exercise.spec.source, exercise.id
        assert len(exercise.cases) >= 4, exercise.id


def test_the_readme_counts_what_ships(builtin_exercises):
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    decks, cards = map(int, re.search(r"ships with (\d+) decks \((\d+) cards\)", readme).groups())
    exercises = int(re.search(r"^(\d+) coding exercises", readme, re.MULTILINE).group(1))
    assert (decks, cards, exercises) == (len(LOADS), len(CARDS), len(builtin_exercises.exercises))
