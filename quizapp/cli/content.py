"""`quizapp content`: the deck folders loaded on every run (`content_folders` in config.toml)."""

from __future__ import annotations

from pathlib import Path

import click

from quizapp.cli.main import (
    UsageProblem,
    _content_option,
    _home,
    _open_collection,
    _say_skipped_files,
    _settings,
)


@click.group(invoke_without_command=True)
@click.pass_context
def content(ctx: click.Context) -> None:
    """List the deck folders loaded on every run; `add DIR` and `remove DIR` change the list."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(content_list)


@content.command("list")
@click.pass_context
def content_list(ctx: click.Context) -> None:
    """List the deck folders: the built-in decks, your home's decks folder, then config.toml's."""
    from quizapp import locations
    from quizapp.core.untrusted import visible

    home = _home(ctx)
    click.echo(f"{locations.builtin_content_dir()}  (built in)")
    click.echo(f"{locations.user_decks_dir(home)}  (always loaded; `quizapp import` writes here)")
    for folder in _settings(home).content_paths(home):
        missing = "" if folder.is_dir() else "  (missing: its decks are not loaded)"
        click.echo(visible(f"{folder}{missing}"))


@content.command("add")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def content_add(ctx: click.Context, folder: Path) -> None:
    """Load the decks in FOLDER on every run from now on (checking them first)."""
    from quizapp import locations
    from quizapp.application.validate import validate
    from quizapp.config import set_content_folders
    from quizapp.core.untrusted import visible

    home = _home(ctx)
    settings = _settings(home)
    folder = folder.expanduser().resolve()
    if folder in settings.content_paths(home) or folder in (
        locations.builtin_content_dir(),
        locations.user_decks_dir(home).resolve(),
    ):
        click.echo(visible(f"{folder} is already loaded on every run"))
        return
    home.mkdir(parents=True, exist_ok=True)
    set_content_folders(locations.config_path(home), [*settings.content_folders, str(folder)])
    click.echo(visible(f"added {folder}: its decks load on every run"))
    validation = validate([folder], against=[])
    for problem in validation.problems:
        click.echo(visible(str(problem)), err=True)
    if not validation.ok:
        click.echo("The files above are skipped until their problems are fixed.", err=True)


@content.command("remove")
@click.argument("folder", type=click.Path(path_type=Path))
@click.pass_context
def content_remove(ctx: click.Context, folder: Path) -> None:
    """Stop loading FOLDER's decks (the files and your review history are kept)."""
    from quizapp import locations
    from quizapp.config import set_content_folders
    from quizapp.core.untrusted import visible

    home = _home(ctx)
    settings = _settings(home)
    wanted = folder.expanduser().resolve()
    kept = [
        name for name, path in zip(settings.content_folders, settings.content_paths(home)) if path != wanted
    ]
    if len(kept) == len(settings.content_folders):
        listed = ", ".join(settings.content_folders) or "none"
        raise UsageProblem(f"{folder} is not in content_folders (listed: {listed})")
    set_content_folders(locations.config_path(home), kept)
    click.echo(
        visible(f"removed {wanted}: its cards leave the study queue, their history stays in the database")
    )


@click.command()
@_content_option
@click.pass_context
def decks(ctx: click.Context, content: tuple[Path, ...]) -> None:
    """List the loaded decks: id (what `study --deck` takes), number of cards, title."""
    from quizapp.application.study import deck_counts
    from quizapp.core.untrusted import visible

    with _open_collection(ctx, content) as collection:
        for deck_id, title, cards in deck_counts(collection.db):
            click.echo(visible(f"{deck_id:<28} {cards:>5} cards  {title}"))
        _say_skipped_files(collection)  # a deck missing from the list: this says why


@click.command()
@_content_option
@click.pass_context
def tags(ctx: click.Context, content: tuple[Path, ...]) -> None:
    """List the tags of the loaded cards (what `study --tag` takes), with how many cards carry each."""
    from quizapp.application.study import tag_counts
    from quizapp.core.untrusted import visible

    with _open_collection(ctx, content) as collection:
        for tag, cards in tag_counts(collection.db).items():
            click.echo(visible(f"{tag:<28} {cards:>5} cards"))
