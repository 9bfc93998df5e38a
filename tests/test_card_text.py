"""What a card says to the learner: its own words, not where a deck author took them from."""

import json
from pathlib import Path

from test_tui import make_app, text_of

from quizapp import locations
from quizapp.application.collection import Collection
from quizapp.core.loader import find_deck_files, load_deck_file


def test_no_builtin_card_refers_to_the_notes():
    offenders = []
    for path in find_deck_files([locations.builtin_content_dir()]):
        for card in load_deck_file(path).cards:
            shown = {key: value for key, value in card.data.items() if key != "source"}
            if "notes" in json.dumps(shown, ensure_ascii=False).lower():
                offenders.append(card.id)
    assert offenders == []


async def test_the_answer_does_not_show_the_source_line_the_file_keeps(tmp_path: Path):
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "one.yaml").write_text(
        "quizapp: 1\ndeck: {id: one, title: One}\ncards:\n"
        "  - id: gap\n    kind: basic\n    source: seeds/002 GAP\n"
        "    front: Global average pooling in PyTorch?\n    back: nn.AdaptiveAvgPool2d(1)\n",
        encoding="utf-8",
    )
    collection = Collection.open(tmp_path / "home", [decks], builtin=False)
    try:
        app = make_app(collection, start="study")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("space")
            answer = text_of(app, "#answer")
            assert "nn.AdaptiveAvgPool2d(1)" in answer
            assert "source" not in answer and "seeds/002" not in answer
            assert app.screen.card.data["source"] == "seeds/002 GAP"
    finally:
        collection.close()
