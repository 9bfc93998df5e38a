"""`quizapp cards` (search, list, act on the matching cards), `quizapp browse` (the card browser) and
the body of `quizapp unsuspend`. Parsing and printing only: the use cases are
`quizapp.application.cards`'s, the same the card browser calls.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from quizapp.core.card_query_help import HELP as QUERY_HELP

if TYPE_CHECKING:
    from quizapp.application.collection import Collection

ACTIONS = {
    "suspend": "suspended",
    "unsuspend": "unsuspended",
    "bury": "buried until tomorrow",
    "unbury": "unburied",
    "forget": "reset to new (their history stays in the log)",
}
"""Each action flag of `quizapp cards`, and what it did, for the message after it."""


class QueryCommand(click.Command):
    """A command whose arguments are a search query: a word starting with a single `-` (a negated
    term such as `-is:suspended`) is part of the query, not an option."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options: list[str] = []
        words: list[str] = []
        takes_value = {
            name for param in self.params if not getattr(param, "is_flag", True) for name in param.opts
        }
        arguments = iter(args)
        for arg in arguments:
            if arg == "--":
                words.extend(arguments)
            elif arg.startswith("--") or arg in ctx.help_option_names:
                options.append(arg)
                value = next(arguments, None) if arg in takes_value else None
                if value is not None:
                    options.append(value)
            else:
                words.append(arg)
        return super().parse_args(ctx, [*options, "--", *words] if words else options)


def _query_words(function):
    return click.argument("query", nargs=-1)(function)


@click.command(cls=QueryCommand, epilog="\b\n" + QUERY_HELP)
@_query_words
@click.option(
    "--json", "as_json", is_flag=True, help="Print the cards (or what an action did) as one JSON object."
)
@click.option("--suspend", is_flag=True, help="Suspend every matching card.")
@click.option("--unsuspend", is_flag=True, help="Bring every matching card back into study.")
@click.option("--bury", is_flag=True, help="Bury every matching card until the next study day.")
@click.option("--unbury", is_flag=True, help="Unbury every matching card.")
@click.option("--forget", is_flag=True, help="Reset every matching card to new; its review history is kept.")
@click.option(
    "--edit", is_flag=True, help="Open the matching card's deck file in $EDITOR at its line, then reload it."
)
@click.option("--yes", is_flag=True, help="Change more than 20 cards without asking.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="List at most N cards.")
@click.pass_context
def cards(
    ctx: click.Context,
    query: tuple[str, ...],
    as_json: bool,
    suspend: bool,
    unsuspend: bool,
    bury: bool,
    unbury: bool,
    forget: bool,
    edit: bool,
    yes: bool,
    limit: int | None,
) -> None:
    """List the cards matching QUERY (every card without one), or act on all of them.

    One card per line: id, deck, state, due date, and the prompt as the study screen shows it.
    A word starting with '-' negates a term (`quizapp cards deck:pytorch -is:new`). Actions take a
    backup of the database first when they change more than one card, and ask for --yes above 20
    cards. Exit status 2 on a query that cannot be read.
    """
    from quizapp.cli.main import UsageProblem, _open_collection

    chosen = [
        flag
        for flag, on in (
            ("suspend", suspend),
            ("unsuspend", unsuspend),
            ("bury", bury),
            ("unbury", unbury),
            ("forget", forget),
            ("edit", edit),
        )
        if on
    ]
    if len(chosen) > 1:
        raise UsageProblem(f"{' and '.join('--' + flag for flag in chosen)} cannot be used together")
    text = " ".join(query)
    collection = _open_collection(ctx)
    try:
        if not chosen:
            _list(collection, text, as_json, limit)
        elif chosen == ["edit"]:
            sys.exit(_edit(collection, text))
        else:
            _act(collection, text, chosen[0], as_json=as_json, yes=yes)
    finally:
        collection.close()


def _list(collection: Collection, text: str, as_json: bool, limit: int | None) -> None:
    import json

    from quizapp.application.cards import search
    from quizapp.core.clock import utc_now

    _checked(collection, text)
    found = search(collection.db, collection.settings, text, utc_now(), limit=limit)
    if as_json:
        # ASCII: card text comes from deck files, and a terminal must not act on their escapes.
        payload = {"query": text, "count": found.total, "cards": [card.to_json() for card in found.cards]}
        click.echo(json.dumps(payload, ensure_ascii=True))
        return
    id_width = max((len(card.id) for card in found.cards), default=0)
    deck_width = max((len(card.deck) for card in found.cards), default=0)
    width = _terminal_width()
    for card in found.cards:
        line = (
            f"{card.id:<{id_width}}  {card.deck:<{deck_width}}  {card.status:<10}  "
            f"{card.due_date() or '-':<10}  {card.prompt}"
        )
        click.echo(line[: width - 1] + "…" if width and len(line) > width else line)
    shown = f" (the first {len(found.cards)}: --limit)" if found.more else ""
    click.echo(f"{found.total} card(s) match{shown}.", err=True)


def _checked(collection: Collection, text: str) -> None:
    """A usage error (exit 2) naming what is wrong with the query, if anything is."""
    from quizapp.application.cards import CardQueryError, parse_query
    from quizapp.cli.main import UsageProblem

    try:
        parse_query(collection.db, text)
    except CardQueryError as error:
        raise UsageProblem(str(error)) from None


def _terminal_width() -> int | None:
    """The terminal's width when printing to one (long prompts are cut there), else None."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return shutil.get_terminal_size().columns


def _act(collection: Collection, text: str, action: str, *, as_json: bool, yes: bool) -> None:
    import json

    from quizapp.application import cards as use_cases
    from quizapp.cli.main import UsageProblem
    from quizapp.core.clock import utc_now

    _checked(collection, text)
    now = utc_now()
    ids = use_cases.matching_ids(collection.db, collection.settings, text, now)
    if len(ids) > use_cases.BULK_CONFIRM_OVER and not yes:
        question = f"{action.capitalize()} all {len(ids)} cards matching {text!r}?"
        if not sys.stdin.isatty():
            raise UsageProblem(
                f"{len(ids)} cards match {text!r}: add --yes to {action} them all "
                f"(`quizapp cards {text}` lists them)"
            )
        click.confirm(question, abort=True)
    if len(ids) > 1:
        collection.back_up(f"before-cards-{action}")
    db = collection.db
    change = {
        "suspend": lambda: use_cases.suspend(db, ids),
        "unsuspend": lambda: use_cases.unsuspend(db, ids),
        "bury": lambda: use_cases.bury(db, collection.settings, ids, now),
        "unbury": lambda: use_cases.unbury(db, ids, now),
        "forget": lambda: use_cases.forget(db, ids),
    }[action]()
    if as_json:
        payload = {"action": action, "query": text, "matched": len(ids), "changed": sorted(change.before)}
        click.echo(json.dumps(payload, ensure_ascii=True))
        return
    unchanged = len(ids) - change.count
    already = f"; {unchanged} already were" if unchanged else ""
    click.echo(f"{change.count} card(s) {ACTIONS[action]}{already}.")


def _edit(collection: Collection, text: str) -> int:
    """Open the one card `text` matches in $EDITOR at its line, then reload; 1 if the file then has problems."""
    import subprocess

    from quizapp.application import cards as use_cases
    from quizapp.cli.main import UsageProblem
    from quizapp.core.clock import utc_now
    from quizapp.core.untrusted import visible

    _checked(collection, text)
    ids = use_cases.matching_ids(collection.db, collection.settings, text, utc_now())
    notes = {collection.db.execute("select note_id from cards where id = ?", [i]).fetchone()[0] for i in ids}
    if len(notes) != 1:
        raise UsageProblem(
            f"{len(ids)} cards of {len(notes)} notes match {text!r}; --edit opens one: narrow the query (id:NOTE)"
            if ids
            else f"no card matches {text!r}"
        )
    path, line = use_cases.edit_location(collection, ids[0])
    try:
        command = use_cases.editor_command(path, line)
    except use_cases.NoEditor as error:
        raise UsageProblem(str(error)) from None
    try:
        subprocess.run(command, check=False)
    except OSError as error:
        raise UsageProblem(visible(f"could not run {command[0]}: {error.strerror}")) from None
    report = collection.reload()
    problems = [problem for problem in report.problems if problem.file == str(path)]
    if problems:
        for problem in problems:
            click.echo(visible(str(problem)), err=True)
        click.echo(visible(f"{path} has problems: its cards stay as they were until it is fixed."), err=True)
        return 1
    click.echo(visible(f"Reloaded {path}."))
    return 0


@click.command(cls=QueryCommand, epilog="\b\n" + QUERY_HELP)
@_query_words
@click.pass_context
def browse(ctx: click.Context, query: tuple[str, ...]) -> None:
    """The card browser, searching for QUERY: every card, its history, suspend, bury, forget, edit.

    Keys: type to search; Enter or ↓ goes to the list; s suspend, b bury, f forget, u undo, e edit
    in $EDITOR at the card's line; F1 or ? lists the keys and the search language.
    """
    from quizapp.cli.main import _open_collection, _run_app

    text = " ".join(query)
    collection = _open_collection(ctx)
    try:
        _checked(collection, text)
    except click.ClickException:
        collection.close()
        raise
    _run_app(collection, start="browse", browse_query=text)


def unsuspend_cards(collection: Collection, names: tuple[str, ...], everything: bool) -> None:
    """`quizapp unsuspend [ID …] [--all]`: list the suspended cards, or bring some (or all) back.

    An ID is a card id or a note id, which means every suspended card of that note.
    """
    from quizapp.application import cards as use_cases
    from quizapp.cli.main import UsageProblem
    from quizapp.core.clock import utc_now
    from quizapp.core.untrusted import visible

    suspended = use_cases.search(collection.db, collection.settings, "is:suspended", utc_now(), limit=None)
    if not names and not everything:
        for card in suspended.cards:
            click.echo(visible(f"{card.id}  [{card.deck}]  {card.prompt}"))
        click.echo(
            f"{suspended.total} suspended card(s); `quizapp unsuspend ID …` or `--all` brings them back.",
            err=True,
        )
        return
    if everything:
        ids = [card.id for card in suspended.cards]
    else:
        ids, unknown = use_cases.resolve_ids(collection.db, names, suspended=True)
        if unknown:
            raise UsageProblem(f"not suspended (or no such card): {', '.join(unknown)}")
    if everything or len(ids) > 1:
        collection.back_up("before-unsuspend-all" if everything else "before-unsuspend")
    change = use_cases.unsuspend(collection.db, ids)
    click.echo(f"{change.count} card(s) back in study.")
