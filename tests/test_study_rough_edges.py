"""The study screen's rough edges an Anki user ran into: choice cards, stray keys, piling notices,
what the header and the summary say."""

from __future__ import annotations

from test_tui import make_app, text_of


async def test_a_choice_card_cannot_be_passed_without_answering_and_marks_both_options(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.show_id("gap")
        await pilot.pause()
        await pilot.press("enter", "enter", "space")
        assert not screen.revealed
        assert collection.db.execute("select count(*) from reviews").fetchone()[0] == 0
        assert [n.message for n in app._notifications] == [
            f"Press the number of your answer (1–{len(screen.study.choices)})."
        ]

        choices = screen.study.choices
        wrong = next(n for n, option in enumerate(choices, 1) if option != screen.card.data["answer"])
        right = choices.index(screen.card.data["answer"]) + 1
        await pilot.press(str(wrong))
        prompt = text_of(app, "#prompt")
        assert f"✗{wrong}  {choices[wrong - 1]}  ← your answer" in prompt
        assert f"✓{right}  nn.AdaptiveAvgPool2d(1)" in prompt
        assert "Press the number" not in prompt
        assert "Enter = Again" in text_of(app, "#grades")


async def test_keys_typed_for_the_text_box_never_act_on_the_card(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.show_id("isin")
        await pilot.pause()
        screen.query_one("#card-area").focus()  # focus left the text box (a click, a tab)
        await pilot.press("s", "b", "u", "x")
        assert screen.card is not None and screen.card.id == "isin"
        assert screen.query_one("#typed").value == "sbux"
        assert screen.query_one("#typed").has_focus
        suspended, buried = collection.db.execute(
            "select suspended, buried_until is not null from cards where id = 'isin'"
        ).fetchone()
        assert (suspended, buried) == (0, 0)


async def test_notices_replace_each_other_instead_of_piling_up_over_the_card(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "3", "space", "3", "space", "3")
        await pilot.press("u", "u", "u")
        await pilot.pause()
        assert len(app._notifications) == 1


async def test_the_header_names_every_state_and_the_summary_lists_what_was_set_aside(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert "· new" in text_of(app, "#prompt").splitlines()[0]
        first = screen.card.id
        await pilot.press("s")
        second = screen.card.id
        await pilot.press("b")
        while screen.card is not None:
            if screen.card.data.get("options") or screen.card.kind in ("type", "output"):
                screen.study.bury()
                screen.show_next()
                continue
            await pilot.press("space", "4")
        summary = text_of(app, "#prompt")
        assert "Suspended in this sitting" in summary and first in summary
        assert "Buried in this sitting" in summary and second in summary


async def test_the_nothing_due_screen_offers_undo_only_when_there_is_something_to_undo(collection):
    collection.db.execute("update cards set suspended = 1")
    app = make_app(collection, start="study")
    async with app.run_test(size=(80, 24)):
        summary = text_of(app, "#prompt")
        assert "Nothing is due" in summary
        assert "undo" not in summary


async def test_e_edits_the_card_on_screen_at_its_line_and_shows_the_edited_version(
    collection, decks, tmp_path, monkeypatch
):
    import sys

    from test_browser import EDITOR_STUB

    record = tmp_path / "argv.txt"
    stub = tmp_path / "bin" / "nvim"
    stub.parent.mkdir()
    stub.write_text(EDITOR_STUB.format(python=sys.executable, record=str(record)))
    stub.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(stub))
    deck_file = decks / "demo.yaml"
    line = deck_file.read_text().splitlines().index("  - id: gap") + 1
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.show_id("gap")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert record.read_text() == repr([f"+{line}", str(deck_file)])
        assert screen.card.id == "gap"
        assert "GLOBAL AVERAGE POOLING" in text_of(app, "#prompt")
        history = collection.db.execute("select count(*) from reviews where card_id = 'gap'").fetchone()[0]
        assert history == 0  # nothing was graded by the edit


async def test_leaving_the_study_screen_takes_its_undo_notice_along(collection):
    from quizapp.tui.screens.home import HomeScreen

    app = make_app(collection, start="study")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        assert [n.message for n in app._notifications] == ["Buried until tomorrow (u to undo)."]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert not app._notifications  # u does not undo anything on the home screen
