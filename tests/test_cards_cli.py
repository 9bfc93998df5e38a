"""`quizapp cards`, `quizapp unsuspend` and the card use cases under them (application/cards.py):
the search language, the actions, a card's history, its line in the deck file, the editor command."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import quizapp_cli
from conftest import T0

from quizapp.application import cards as use_cases
from quizapp.application.collection import Collection
from quizapp.core.study import StudySession

DECK = r"""quizapp: 1
deck: {id: browse-demo, title: Browse demo, tags: [demo]}
cards:
  - id: bd-conv-out
    kind: basic
    front: 'Output size of a conv?'
    back: '$\lfloor \frac{H - K + 2P}{S} \rfloor + 1$'
  - id: bd-tanh
    kind: cloze
    text: 'tanh(x) = {{c1::$\frac{e^x - e^{-x}}{e^x + e^{-x}}$}}, derivative {{c2::$1 - \tanh^2(x)$}}'
    tags: [formula]
  - id: bd-backbone
    kind: reverse
    front: 主干网络
    back: backbone
  - id: bd-gap
    kind: choice
    question: Global average pooling in PyTorch?
    options: ['nn.AdaptiveAvgPool2d(1)', 'nn.AvgPool2d(1)']
    answer: 'nn.AdaptiveAvgPool2d(1)'
  - id: bd-hostile
    kind: basic
    front: "[bold red]not markup[/] \u202eevil"
    back: x
"""
BROWSE_DEMO_CARDS = [
    "bd-conv-out",
    "bd-tanh#c1",
    "bd-tanh#c2",
    "bd-backbone",
    "bd-backbone#rev",
    "bd-gap",
    "bd-hostile",
]


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "my-decks"
    folder.mkdir()
    (folder / "browse-demo.yaml").write_text(DECK, encoding="utf-8")
    return folder


@pytest.fixture
def mine(tmp_path: Path, deck_dir: Path):
    """A collection of the deck above only."""
    opened = Collection.open(tmp_path / "mine", [deck_dir], builtin=False)
    yield opened
    opened.close()


def cli(tmp_path: Path, deck_dir: Path, *args: str):
    """`quizapp --home … --content DECKS ARGS…` (the built-in decks are loaded too, as for a learner)."""
    return quizapp_cli.run(tmp_path / "home", "--content", str(deck_dir), *args)


def state_of(home: Path, card_id: str) -> dict:
    with Collection.open(home, builtin=False) as opened:
        row = opened.db.execute(
            "select state, suspended, buried_until, reps, lapses, stability from cards where id = ?",
            [card_id],
        ).fetchone()
    return dict(zip(("state", "suspended", "buried_until", "reps", "lapses", "stability"), row))


def answer(collection: Collection, card_id: str, rating: int, days: int = 0) -> None:
    StudySession(collection.db, collection.settings).rate(card_id, rating, T0 + timedelta(days=days))


# -- the search language ---------------------------------------------------------------------------


def ids(collection: Collection, query: str) -> list[str]:
    return [card.id for card in use_cases.search(collection.db, collection.settings, query, T0).cards]


def test_free_words_match_the_text_and_ids_but_never_field_names(mine):
    assert ids(mine, "") == BROWSE_DEMO_CARDS
    assert ids(mine, "ADAPTIVEavg") == ["bd-gap"]  # any case, in a list of options too
    assert ids(mine, r"\frac") == ["bd-conv-out", "bd-tanh#c1", "bd-tanh#c2"]  # as written in the file
    assert ids(mine, "主干") == ["bd-backbone", "bd-backbone#rev"]
    # What the deck format calls its fields, and JSON's null, are not the cards' words.
    assert ids(mine, "front") == ids(mine, "question") == ids(mine, "answer") == ids(mine, "null") == []
    assert ids(mine, "ans") == ids(mine, "ront") == []
    assert ids(mine, "options") == []
    assert ids(mine, "bd-tanh") == ["bd-tanh#c1", "bd-tanh#c2"]
    assert ids(mine, '"size of a"') == ["bd-conv-out"]
    assert ids(mine, "size*conv") == ["bd-conv-out"]
    assert ids(mine, "100%") == []  # % and _ are not LIKE's wildcards here


def test_keys_and_negation(mine):
    assert ids(mine, "kind:cloze") == ["bd-tanh#c1", "bd-tanh#c2"]
    assert ids(mine, "tag:formula") == ["bd-tanh#c1", "bd-tanh#c2"]
    assert ids(mine, "tag:form") == []  # whole tags only
    assert ids(mine, "tag:form*") == ["bd-tanh#c1", "bd-tanh#c2"]
    assert ids(mine, "deck:browse-demo -kind:cloze -kind:reverse") == ["bd-conv-out", "bd-gap", "bd-hostile"]
    assert ids(mine, "id:bd-tanh") == ["bd-tanh#c1", "bd-tanh#c2"]  # a note id: all its cards
    assert ids(mine, "id:bd-tanh#c2") == ["bd-tanh#c2"]
    assert ids(mine, "deck:BROWSE-*") == BROWSE_DEMO_CARDS


def test_states_due_dates_and_lapses(mine):
    # Cards without siblings, so that no answer buries another card.
    answer(mine, "bd-hostile", 3)  # learning, due in minutes
    for day in (0, 1, 2):  # graduates to review, due days ahead
        answer(mine, "bd-gap", 3, day)
    for day in range(4):  # forgotten three times
        answer(mine, "bd-conv-out", 3, day * 2)
        if day:
            answer(mine, "bd-conv-out", 1, day * 2 + 1)
    use_cases.suspend(mine.db, ["bd-tanh#c2"])
    use_cases.bury(mine.db, mine.settings, ["bd-backbone"], T0)
    gap_due = mine.db.execute("select due from cards where id = 'bd-gap'").fetchone()[0]
    today_ends = T0.timestamp() + 16 * 3600  # T0 is noon UTC; a study day ends at 4 am
    day = int((gap_due - today_ends) // 86400) + 1  # the study day it is due on, 0 being today
    assert day >= 2

    assert ids(mine, "is:learning") == ["bd-conv-out", "bd-hostile"]  # relearning too
    assert ids(mine, "is:review") == ["bd-gap"]
    assert ids(mine, "is:new") == ["bd-tanh#c1", "bd-tanh#c2", "bd-backbone", "bd-backbone#rev"]
    assert ids(mine, "is:suspended") == ["bd-tanh#c2"]
    assert ids(mine, "is:buried") == ["bd-backbone"]
    assert "bd-backbone" not in ids(mine, "-is:buried")
    assert ids(mine, "due:today id:bd-hostile") == ["bd-hostile"]
    assert ids(mine, f"due:{day}") == ids(mine, f"due:={day}") == ["bd-gap"]
    assert ids(mine, f"due:{day - 1} id:bd-gap") == ids(mine, f"due:{day + 1} id:bd-gap") == []
    assert ids(mine, f"due:<{day} id:bd-gap") == ids(mine, f"due:>{day} id:bd-gap") == []
    assert ids(mine, f"due:<={day} id:bd-gap") == ids(mine, f"due:>={day} id:bd-gap") == ["bd-gap"]
    assert ids(mine, f"due:>{day - 1} id:bd-gap") == ids(mine, f"due:<{day + 1} id:bd-gap") == ["bd-gap"]
    assert ids(mine, "due:<100 is:new") == []  # a new card has no due date
    assert ids(mine, "lapses:>2") == ["bd-conv-out"] == ids(mine, "lapses:3")
    assert ids(mine, "lapses:>3") == []
    mine.db.execute("update cards set lapses = 8 where id = 'bd-gap'")  # the leech threshold
    assert ids(mine, "is:leech") == ["bd-gap"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("foo:bar", "foo:bar: unknown search key 'foo:' (keys: deck, tag, kind, id, is, due, lapses, reps)"),
        (
            "is:sleeping",
            "is:sleeping: 'is:' takes one of new, learning, review, due, suspended, buried, leech",
        ),
        ("due:soon", "due:soon: 'due:' takes today or a number of days"),
        ("lapses:many", "lapses:many: 'lapses:' takes a number"),
        ("kind:flashcard", "kind:flashcard: no card kind 'flashcard' (kinds: basic,"),
        ('tanh "unclosed', "a quote is opened and never closed"),
        ("deck:nope", "deck:nope: no such deck (decks: browse-demo)"),
        ("tag:", "'tag:' needs a value"),
    ],
)
def test_a_query_that_cannot_be_read_says_why(mine, query, message):
    with pytest.raises(use_cases.CardQueryError) as raised:
        use_cases.search(mine.db, mine.settings, query, T0)
    assert message in str(raised.value)


def test_search_pages_and_counts(mine):
    found = use_cases.search(mine.db, mine.settings, "", T0, limit=3)
    assert (found.total, len(found.cards), found.more) == (7, 3, 4)
    rest = use_cases.search(mine.db, mine.settings, "", T0, limit=3, offset=6)
    assert [card.id for card in rest.cards] == ["bd-hostile"] and rest.more == 0
    everything = ids(mine, "e")  # free words take another path: one read of every row
    assert everything == BROWSE_DEMO_CARDS
    pages = [use_cases.search(mine.db, mine.settings, "e", T0, limit=4, offset=offset) for offset in (0, 4)]
    assert [card.id for page in pages for card in page.cards] == everything
    assert [(page.total, page.more) for page in pages] == [(7, 3), (7, 0)]


def test_prompts_are_rendered_as_in_study_and_safe(mine):
    prompts = {card.id: card.prompt for card in use_cases.search(mine.db, mine.settings, "", T0).cards}
    assert prompts["bd-tanh#c1"] == "tanh(x) = […], derivative 1 - tanh²(x)"
    assert prompts["bd-tanh#c2"].startswith("tanh(x) = (eˣ - e⁻ˣ)/(eˣ + e⁻ˣ), derivative […]")
    assert prompts["bd-backbone#rev"] == "backbone"
    assert prompts["bd-conv-out"] == "Output size of a conv?"
    assert prompts["bd-hostile"] == "[bold red]not markup[/] ⟨U+202E⟩evil"  # shown, not obeyed


# -- actions and history ---------------------------------------------------------------------------


def test_actions_change_only_what_they_say_and_undo_restores(mine):
    answer(mine, "bd-gap", 3)
    before = mine.db.execute("select * from cards where id = 'bd-gap'").fetchone()
    change = use_cases.forget(mine.db, ["bd-gap", "bd-conv-out"])  # bd-conv-out is new already
    assert sorted(change.before) == ["bd-gap"]
    row = mine.db.execute(
        "select state, due, stability, reps, lapses from cards where id = 'bd-gap'"
    ).fetchone()
    assert row == (0, None, None, 0, 0)
    assert mine.db.execute("select count(*) from reviews where card_id = 'bd-gap'").fetchone()[0] == 1
    use_cases.undo(mine.db, change)
    assert mine.db.execute("select * from cards where id = 'bd-gap'").fetchone() == before

    assert use_cases.suspend(mine.db, ["bd-gap"]).count == 1
    assert use_cases.suspend(mine.db, ["bd-gap"]).count == 0  # suspended already
    assert use_cases.unsuspend(mine.db, ["bd-gap"]).count == 1
    assert use_cases.bury(mine.db, mine.settings, ["bd-gap"], T0).count == 1
    assert ids(mine, "is:buried") == ["bd-gap"]
    assert use_cases.unbury(mine.db, ["bd-gap"], T0).count == 1
    assert ids(mine, "is:buried") == []


def test_history_lists_answers_oldest_first_without_undone_ones(mine):
    session = StudySession(mine.db, mine.settings)
    session.rate("bd-gap", 3, T0)
    session.rate("bd-gap", 1, T0 + timedelta(minutes=10))
    session.undo(T0 + timedelta(minutes=11))
    session.rate("bd-gap", 4, T0 + timedelta(minutes=12))
    entries = use_cases.history(mine.db, "bd-gap")
    assert [entry.grade for entry in entries] == ["Good", "Easy"]
    assert entries[0].reviewed_at == T0.timestamp()
    assert entries[0].interval_days == pytest.approx(10 / (24 * 60))  # Good on a new card: 10 minutes
    assert entries[1].interval_days is not None and entries[1].interval_days >= 1
    assert entries[1].stability is not None and entries[1].stability > 0


# -- the card's line, and the editor ---------------------------------------------------------------


def test_edit_location_finds_the_notes_line_in_the_file_as_it_is_now(mine, deck_dir):
    path, line = use_cases.edit_location(mine, "bd-tanh#c2")
    assert path == deck_dir / "browse-demo.yaml"
    assert path.read_text().splitlines()[line - 1] == "  - id: bd-tanh"
    path.write_text(path.read_text().replace("cards:\n", "cards:\n  # a comment\n\n"))  # not synced
    assert use_cases.edit_location(mine, "bd-tanh#c2") == (path, line + 2)
    path.write_text(path.read_text() + "  - {broken\n")  # no longer parses: found by its `id:` line
    assert use_cases.edit_location(mine, "bd-tanh#c2") == (path, line + 2)
    with pytest.raises(LookupError):
        use_cases.edit_location(mine, "no-such-card")


@pytest.mark.parametrize(
    ("editor", "expected"),
    [
        ("vim", ["vim", "+12", "/d/f.yaml"]),
        ("/usr/bin/nvim -u NONE", ["/usr/bin/nvim", "-u", "NONE", "+12", "/d/f.yaml"]),
        ("nano", ["nano", "+12", "/d/f.yaml"]),
        ("emacs -nw", ["emacs", "-nw", "+12", "/d/f.yaml"]),
        ("micro", ["micro", "+12", "/d/f.yaml"]),
        ("kak", ["kak", "+12", "/d/f.yaml"]),
        ("hx", ["hx", "/d/f.yaml:12"]),
        ("code", ["code", "--wait", "-g", "/d/f.yaml:12"]),
        ("code --wait", ["code", "--wait", "-g", "/d/f.yaml:12"]),
        ("ed", ["ed", "/d/f.yaml"]),
    ],
)
def test_editor_command_opens_the_file_at_the_line(editor, expected):
    assert use_cases.editor_command(Path("/d/f.yaml"), 12, editor) == expected


def test_editor_command_without_an_editor(monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    with pytest.raises(use_cases.NoEditor):
        use_cases.editor_command(Path("f.yaml"), 1)
    monkeypatch.setenv("EDITOR", "nano")
    monkeypatch.setenv("VISUAL", "vim")
    assert use_cases.editor_command(Path("f.yaml"), 3) == ["vim", "+3", "f.yaml"]


# -- the command line ------------------------------------------------------------------------------


def test_cards_lists_one_card_per_line_with_the_rendered_prompt(tmp_path, deck_dir):
    listed = cli(tmp_path, deck_dir, "cards", "deck:browse-demo")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == BROWSE_DEMO_CARDS
    assert lines[1].split(None, 4) == [
        "bd-tanh#c1",
        "browse-demo",
        "new",
        "-",
        "tanh(x) = […], derivative 1 - tanh²(x)",
    ]
    assert "{{c" not in listed.stdout and "\\frac" not in listed.stdout
    assert "\u202e" not in listed.stdout and "⟨U+202E⟩" in listed.stdout
    assert listed.stderr == "7 card(s) match.\n"
    limited = cli(tmp_path, deck_dir, "cards", "deck:browse-demo", "--limit", "2")
    assert len(limited.stdout.splitlines()) == 2 and "7 card(s) match (the first 2" in limited.stderr


def test_cards_json(tmp_path, deck_dir):
    result = cli(tmp_path, deck_dir, "cards", "id:bd-tanh", "--json")
    assert result.returncode == 0 and result.stdout.isascii()
    payload = json.loads(result.stdout)
    assert payload["count"] == 2 and payload["query"] == "id:bd-tanh"
    first = payload["cards"][0]
    assert first["id"] == "bd-tanh#c1" and first["note_id"] == "bd-tanh" and first["deck"] == "browse-demo"
    assert first["state"] == "new" and first["due"] is None and first["suspended"] is False
    assert first["prompt"] == "tanh(x) = […], derivative 1 - tanh²(x)"
    assert first["tags"] == ["demo", "formula"] and first["file"].endswith("browse-demo.yaml")


def test_cards_actions_apply_to_every_match(tmp_path, deck_dir):
    home = tmp_path / "home"
    suspended = cli(tmp_path, deck_dir, "cards", "id:bd-tanh", "--suspend")
    assert suspended.returncode == 0 and suspended.stdout == "2 card(s) suspended.\n"
    assert state_of(home, "bd-tanh#c1")["suspended"] == state_of(home, "bd-tanh#c2")["suspended"] == 1
    listed = cli(tmp_path, deck_dir, "cards", "is:suspended").stdout.splitlines()
    assert [line.split()[:3] for line in listed] == [
        ["bd-tanh#c1", "browse-demo", "suspended"],
        ["bd-tanh#c2", "browse-demo", "suspended"],
    ]
    again = cli(tmp_path, deck_dir, "cards", "id:bd-tanh", "--suspend", "--json")
    assert json.loads(again.stdout) == {
        "action": "suspend",
        "query": "id:bd-tanh",
        "matched": 2,
        "changed": [],
    }
    assert cli(tmp_path, deck_dir, "cards", "bd-tanh", "--unsuspend").stdout == "2 card(s) unsuspended.\n"
    assert state_of(home, "bd-tanh#c1")["suspended"] == 0

    assert (
        cli(tmp_path, deck_dir, "cards", "id:bd-gap", "--bury").stdout == "1 card(s) buried until tomorrow.\n"
    )
    assert state_of(home, "bd-gap")["buried_until"] is not None
    assert cli(tmp_path, deck_dir, "cards", "is:buried").stdout.split()[0] == "bd-gap"
    assert cli(tmp_path, deck_dir, "cards", "id:bd-gap", "--unbury").returncode == 0
    assert state_of(home, "bd-gap")["buried_until"] is None

    with Collection.open(home, [deck_dir]) as opened:
        answer(opened, "bd-gap", 3)
    forgot = cli(tmp_path, deck_dir, "cards", "id:bd-gap", "--forget")
    assert forgot.stdout == "1 card(s) reset to new (their history stays in the log).\n"
    assert state_of(home, "bd-gap") == {
        "state": 0,
        "suspended": 0,
        "buried_until": None,
        "reps": 0,
        "lapses": 0,
        "stability": None,
    }
    with Collection.open(home, builtin=False) as opened:
        assert opened.db.execute("select count(*) from reviews where card_id = 'bd-gap'").fetchone()[0] == 1


def test_a_bulk_action_asks_for_yes_and_takes_a_backup(tmp_path, deck_dir):
    home = tmp_path / "home"
    cli(tmp_path, deck_dir, "cards", "--limit", "1")  # the first run loads the decks
    with Collection.open(home, [deck_dir]) as opened:
        answer(opened, "bd-gap", 3)  # a history worth a backup
    refused = cli(tmp_path, deck_dir, "cards", "-deck:browse-demo", "--suspend")
    assert refused.returncode == 2
    assert "cards match '-deck:browse-demo': add --yes to suspend them all" in refused.stderr
    assert cli(tmp_path, deck_dir, "cards", "is:suspended").stdout == ""
    done = cli(tmp_path, deck_dir, "cards", "-deck:browse-demo", "--suspend", "--yes")
    assert done.returncode == 0 and "card(s) suspended." in done.stdout
    assert "bd-gap" not in cli(tmp_path, deck_dir, "cards", "is:suspended").stdout
    assert [path.name for path in (home / "backups").iterdir() if "before-cards-suspend" in path.name]


def test_cards_usage_errors_are_one_line_exit_2(tmp_path, deck_dir):
    bad = cli(tmp_path, deck_dir, "cards", "is:sleeping")
    assert bad.returncode == 2 and bad.stderr.startswith("Error: is:sleeping: 'is:' takes one of")
    assert len(bad.stderr.splitlines()) == 1
    assert cli(tmp_path, deck_dir, "cards", "--jsn").returncode == 2  # an option, misspelt
    both = cli(tmp_path, deck_dir, "cards", "--suspend", "--forget")
    assert both.returncode == 2 and "--suspend and --forget cannot be used together" in both.stderr
    negated = cli(tmp_path, deck_dir, "cards", "deck:browse-demo", "-kind:cloze", "-hostile")  # not options
    assert negated.returncode == 0
    assert [line.split()[0] for line in negated.stdout.splitlines()] == [
        "bd-conv-out",
        "bd-backbone",
        "bd-backbone#rev",
        "bd-gap",
    ]


def test_unsuspend_takes_a_note_id_for_all_its_cards_and_behaves_as_before(tmp_path, deck_dir):
    cli(tmp_path, deck_dir, "cards", "id:bd-tanh", "--suspend")
    listed = cli(tmp_path, deck_dir, "unsuspend")
    assert listed.stdout.splitlines() == [
        "bd-tanh#c1  [browse-demo]  tanh(x) = […], derivative 1 - tanh²(x)",
        "bd-tanh#c2  [browse-demo]  tanh(x) = (eˣ - e⁻ˣ)/(eˣ + e⁻ˣ), derivative […]",
    ]
    assert "2 suspended card(s)" in listed.stderr
    unknown = cli(tmp_path, deck_dir, "unsuspend", "bd-gap")
    assert unknown.returncode == 2 and "not suspended (or no such card): bd-gap" in unknown.stderr
    back = cli(tmp_path, deck_dir, "unsuspend", "bd-tanh")
    assert back.returncode == 0 and back.stdout == "2 card(s) back in study.\n"
    assert cli(tmp_path, deck_dir, "unsuspend").stdout == ""


EDITOR_STUB = """#!{python}
import pathlib, sys
pathlib.Path({record!r}).write_text(repr(sys.argv[1:]))
path = pathlib.Path(sys.argv[-1])
path.write_text(path.read_text().replace("Output size of a conv?", "Output size of a convolution?"))
"""


def editor_stub(folder: Path, name: str = "vim") -> tuple[Path, Path]:
    """An executable called `name` that records its arguments and edits the card `bd-conv-out`."""
    record = folder / "editor-argv.txt"
    stub = folder / "bin" / name
    stub.parent.mkdir(exist_ok=True)
    stub.write_text(EDITOR_STUB.format(python=sys.executable, record=str(record)))
    stub.chmod(0o755)
    return stub, record


def test_cards_edit_opens_the_editor_at_the_cards_line_and_reloads(tmp_path, deck_dir, monkeypatch):
    stub, record = editor_stub(tmp_path)
    monkeypatch.setenv("EDITOR", str(stub))
    monkeypatch.delenv("VISUAL", raising=False)
    deck_file = deck_dir / "browse-demo.yaml"
    line = deck_file.read_text().splitlines().index("  - id: bd-conv-out") + 1
    edited = cli(tmp_path, deck_dir, "cards", "id:bd-conv-out", "--edit")
    assert edited.returncode == 0, edited.stderr
    assert record.read_text() == repr([f"+{line}", str(deck_file)])
    assert "Output size of a convolution?" in cli(tmp_path, deck_dir, "cards", "id:bd-conv-out").stdout
    several = cli(tmp_path, deck_dir, "cards", "deck:browse-demo", "--edit")
    assert several.returncode == 2 and "--edit opens one" in several.stderr
