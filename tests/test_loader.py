from pathlib import Path

from conftest import FIXTURES

from quizapp.core.loader import cross_file_problems, find_deck_files, load_deck_file


def messages(path: Path) -> list[str]:
    return [f"{p.line}:{p.column}: {p.message}" for p in load_deck_file(path).problems]


def test_good_deck_expands_every_kind_into_study_cards():
    load = load_deck_file(FIXTURES / "decks" / "demo.yaml")
    assert load.ok, load.problems
    ids = [card.id for card in load.cards]
    assert ids == [
        "conv-out",
        "backbone",
        "backbone#rev",
        "wd#c1",
        "wd#c2",
        "gap",
        "isin",
        "argwhere-and",
        "conv-t",
    ]
    reverse = next(c for c in load.cards if c.id == "backbone#rev")
    assert reverse.data["front"] == "backbone" and reverse.data["back"] == "主干网络"
    output = next(c for c in load.cards if c.id == "conv-t")
    assert output.data["output"] == "9"  # a YAML number is read as the text it prints
    assert all(card.tags == ["demo"] for card in load.cards)


def test_every_problem_in_a_broken_file_is_reported_with_its_position():
    assert messages(FIXTURES / "broken" / "bad.yaml") == [
        "8:12: control character in a double-quoted string: a LaTeX backslash such as \\tanh or \\frac is read as "
        "an escape there; use 'single quotes' or a | block",
        "11:11: cards.1.kind: unknown kind 'flashcard'; expected one of basic, bug, choice, cloze, output, reverse, type",
        "13:5: cards.2: missing field 'back'",
        "20:5: cards.3.colour: unknown field 'colour'",
        "21:9: duplicate card id 'a1' (first at line 6)",
        "23:11: cloze text has no {{c1::…}} blank",
        "28:13: answer matches none of the options; write the right option exactly",
        "31:11: cloze {{c1::…}} is never closed",
        "36:5: duplicate key 'answer' (first at line 35)",
    ]


def test_yaml_syntax_error_points_at_the_problem():
    assert messages(FIXTURES / "broken" / "syntax.yaml") == [
        "5:6: YAML syntax: while parsing a flow sequence did not find expected ',' or ']'"
    ]


def test_mistyped_fields_and_bad_ids(tmp_path: Path):
    deck = tmp_path / "d.yaml"
    deck.write_text(
        "quizapp: 1\ndeck: {id: d1, title: T}\ncards:\n"
        "  - {id: Bad Id, kind: basic, front: a, back: b}\n"
        "  - {id: ok1, kind: choice, question: q, options: [a, a, b], answer: a}\n"
        "  - {id: ok2, kind: basic, front: [a, list], back: b}\n"
        "  - {id: ok3, kind: bug, code: 'x = 1', answer: why, line: 4}\n",
        encoding="utf-8",
    )
    assert [m.split(": ", 1)[1] for m in messages(deck)] == [
        "cards.0.id: an id is 2–64 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
        "answer matches 2 options; exactly one must be right",
        "cards.2.front: Input should be a valid string",
        "line 4 is past the end of the code",
    ]


def test_not_a_deck_and_not_utf8(tmp_path: Path):
    listing = tmp_path / "list.yaml"
    listing.write_text("- just\n- a list\n", encoding="utf-8")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"quizapp: 1\n\xff\xfe")
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert messages(listing) == ["1:1: a deck file is a mapping with keys quizapp, deck and cards"]
    assert messages(binary)[0].startswith("1:1: not UTF-8 text")
    assert messages(empty) == ["1:1: empty file: a deck file needs quizapp, deck and cards"]


def test_card_id_reused_in_another_file_skips_the_later_file(tmp_path: Path):
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    first.write_text(
        "quizapp: 1\ndeck: {id: da, title: A}\ncards:\n  - {id: same, kind: basic, front: a, back: b}\n"
    )
    second.write_text(
        "quizapp: 1\ndeck: {id: db, title: B}\ncards:\n  - {id: same, kind: basic, front: c, back: d}\n"
    )
    loads = [load_deck_file(p) for p in find_deck_files([tmp_path])]
    cross_file_problems(loads, {})
    assert loads[0].ok and len(loads[0].cards) == 1
    assert [str(p) for p in loads[1].problems] == [
        f"{second}:4:3: duplicate card id 'same': already used in {first}"
    ]
    assert loads[1].cards == []


def test_exercise_folders_and_hidden_folders_are_not_decks(tmp_path: Path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "x.yaml").write_text("name: x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "y.yaml").write_text("a: 1")
    (tmp_path / "deck.yml").write_text("a: 1")
    assert find_deck_files([tmp_path]) == [tmp_path / "deck.yml"]
