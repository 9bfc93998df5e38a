"""The `quizapp` command line. Heavy imports happen inside the commands that need them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from quizapp import __version__

if TYPE_CHECKING:
    from quizapp.application.collection import Collection
    from quizapp.config import Settings


class UsageProblem(click.ClickException):
    """A problem with what the user asked for or wrote; exits with 2, as the CLI contract says."""

    exit_code = 2

    def format_message(self) -> str:
        from quizapp.core.untrusted import visible  # the message may quote a file name or a content file

        return visible(self.message)


class StorageFailure(click.ClickException):
    """The database or the disk failed the command (damaged, full, locked, read-only); exits with 1."""

    exit_code = 1

    def format_message(self) -> str:
        from quizapp.core.untrusted import visible

        return visible(self.message)


def _content_option(function):
    return click.option(
        "--content",
        "content",
        multiple=True,
        type=click.Path(path_type=Path),
        help="An extra folder of deck files (repeatable), on top of the built-in decks.",
    )(function)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="QUIZAPP_HOME",
    help="Where the database and workspace live (env QUIZAPP_HOME; default: the user data dir).",
)
@_content_option
@click.version_option(__version__, prog_name="quizapp")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, content: tuple[Path, ...]) -> None:
    """Spaced-repetition flashcards and checked coding exercises for deep learning.

    Without a command, opens the home screen.
    """
    ctx.ensure_object(dict)
    ctx.obj["home"] = home
    ctx.obj["content"] = list(content)
    if ctx.invoked_subcommand is None:
        # The home screen reads the deck files in the background, showing its progress.
        _run_app(_open_collection(ctx, sync=False), start="home")


def _content_dirs(ctx: click.Context, extra: tuple[Path, ...] = ()) -> list[Path]:
    folders = [*ctx.obj["content"], *extra]
    for folder in folders:
        if not folder.exists():
            raise UsageProblem(f"--content {folder}: no such folder")
    return folders


def _deck_folders(ctx: click.Context) -> list[Path]:
    """The deck folders a collection opened by this command loads, without opening it."""
    from quizapp import locations
    from quizapp.application.collection import content_folders

    home = locations.home_dir(ctx.obj["home"])
    return content_folders(home, _settings(home), _content_dirs(ctx))


def _settings(home: Path) -> Settings:
    """config.toml's settings; a file that cannot be used is a usage problem (exit 2)."""
    from quizapp import locations
    from quizapp.config import ConfigError, load_settings

    try:
        return load_settings(locations.config_path(home))
    except ConfigError as error:
        raise UsageProblem(str(error)) from None


def _open_collection(
    ctx: click.Context, extra_content: tuple[Path, ...] = (), *, sync: bool = True
) -> Collection:
    from quizapp import locations
    from quizapp.application.collection import Collection
    from quizapp.config import ConfigError
    from quizapp.core.db import NewerDatabaseError
    from quizapp.core.storage import StorageProblem

    try:
        return Collection.open(
            locations.home_dir(ctx.obj["home"]),
            _content_dirs(ctx, extra_content),
            sync=sync,
            on_long_wait=_say_waiting,
        )
    except (ConfigError, NewerDatabaseError) as error:
        raise UsageProblem(str(error)) from None
    except StorageProblem as error:
        raise StorageFailure(str(error)) from None
    except OSError as error:  # the home cannot be made or written (read-only, full)
        from quizapp.core.storage import describe

        raise StorageFailure(describe(error)) from None


def _say_waiting() -> None:
    click.echo("waiting for the database (another program is writing)…", err=True)


def _run_app(collection: Collection, *, start: str, **options: Any) -> None:
    """Run the TUI on `collection` (opened once for the whole command) and close it after."""
    collection.db.on_long_wait = None  # the screen shows its own waiting; stderr would garble it
    try:
        from quizapp.tui.app import QuizApp

        app = QuizApp(collection, start=start, **options)
        app.run()
    finally:
        collection.close()
    if app.return_code:  # the app crashed (Textual printed the traceback) or stopped on an error
        sys.exit(app.return_code)
    _say_skipped_files(collection)
    if app.unsaved_on_exit:  # what the screens could not save as they closed, and where it went
        from quizapp.core.untrusted import visible

        for note in app.unsaved_on_exit:
            click.echo(visible(f"Error: {note}"), err=True)
        sys.exit(1)


def _say_skipped_files(collection: Collection) -> None:
    """Name each deck file that was not loaded and its first problem, on stderr."""
    from quizapp.core.untrusted import visible

    for folder in collection.missing_content_dirs:
        click.echo(
            visible(f"warning: deck folder {folder} does not exist; its decks are not loaded"), err=True
        )
    report = collection.last_sync
    if not report.skipped_files:
        return
    first_problem: dict[str, str] = {}
    for problem in report.problems:
        first_problem.setdefault(problem.file, str(problem))
    for file in report.skipped_files:
        click.echo(visible(f"skipped {first_problem.get(file, file)}"), err=True)
    click.echo(
        f"{len(report.skipped_files)} deck file(s) were skipped; `quizapp validate` lists every problem.",
        err=True,
    )


@cli.command()
@click.option("--deck", help="Study only this deck: its id or its title (`quizapp decks` lists them).")
@click.option("--tag", help="Study only cards with this tag (`quizapp tags` lists them).")
@click.option("--new", "new", type=click.IntRange(min=0), help="Introduce up to N new cards in this session.")
@click.option(
    "--hardest",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Go through the N cards with the most lapses now, due or not.",
)
@_content_option
@click.pass_context
def study(
    ctx: click.Context,
    deck: str | None,
    tag: str | None,
    new: int | None,
    hardest: int | None,
    content: tuple[Path, ...],
) -> None:
    """Review the cards that are due."""
    from quizapp.application.study import NoSuchDeck, NoSuchTag, StudyProblem, choose_cards

    collection = _open_collection(ctx, content)
    try:
        study_filter = choose_cards(collection.db, deck=deck, tag=tag, hardest=hardest)
    except NoSuchDeck as error:
        _say_skipped_files(collection)
        collection.close()
        raise UsageProblem(f"--deck {deck}: {error}") from None
    except NoSuchTag as error:
        collection.close()
        raise UsageProblem(f"--tag {tag}: {error}") from None
    except StudyProblem as error:
        collection.close()
        raise UsageProblem(f"--hardest: {error}") from None
    _run_app(collection, start="study", study_filter=study_filter, new_limit=new)


@cli.command()
@click.argument("card_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Unsuspend every suspended card.")
@click.pass_context
def unsuspend(ctx: click.Context, card_ids: tuple[str, ...], everything: bool) -> None:
    """List suspended cards, or bring CARD_IDS (or --all) back into study.

    A note id stands for all its cards (`tanh-formula` for `tanh-formula#c1`, `#c2` …).
    `quizapp cards --unsuspend QUERY` does the same for every card a search finds."""
    from quizapp.cli.cards import unsuspend_cards

    collection = _open_collection(ctx)
    try:
        unsuspend_cards(collection, card_ids, everything)
    finally:
        collection.close()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object instead.")
@_content_option
@click.pass_context
def stats(ctx: click.Context, as_json: bool, content: tuple[Path, ...]) -> None:
    """Your reviews, retention, forecast, hardest cards and exercises."""
    collection = _open_collection(ctx, content)
    if not as_json:
        _run_app(collection, start="stats")
        return
    import json

    from quizapp.application.stats import stats_figures
    from quizapp.core.clock import utc_now

    with collection:
        # ASCII: deck titles and card ids come from files, and a terminal must not act on their escapes.
        click.echo(json.dumps(stats_figures(collection, utc_now()), ensure_ascii=True))


@cli.command()
@click.option("--dry-run", is_flag=True, help="Fit and report, but save nothing.")
@click.pass_context
def optimize(ctx: click.Context, dry_run: bool) -> None:
    """Fit the FSRS parameters to your own review log, and suggest a desired retention.

    Shows log loss and RMSE(bins) of the parameters in use and of the fitted ones on a time-series
    split (fit on the past, judged on what came next); the fitted ones are saved and used from
    then on only if they are better. Cards and exercises are fitted separately, each once its log
    has 400 reviews a study day or more after the previous one (exercises without a fit of their
    own use the cards'). Also prints the desired retention that minimises your study time per card
    remembered; `desired_retention` in config.toml is never changed for you.

    Exit status 0, also when the log is still too short to fit (the message says so); 2 on a bad
    config file.
    """
    from quizapp import locations
    from quizapp.core.clock import utc_now
    from quizapp.core.optimize import optimize as optimize_log
    from quizapp.core.optimize import report_lines

    collection = _open_collection(ctx)
    try:
        report = optimize_log(
            collection.db,
            collection.settings,
            utc_now(),
            dry_run=dry_run,
            progress=lambda message: click.echo(message, err=True),
        )
        for line in report_lines(report, str(locations.config_path(collection.home))):
            click.echo(line)
    finally:
        collection.close()


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Check deck and exercise files and print every problem as file:line:col: message.

    Without PATHS, checks every deck folder quizapp loads: the built-in decks, the home's `decks`
    folder, config.toml's `content_folders` and every --content folder. With PATHS, checks those
    files, and that none of their ids is already used by a deck quizapp loads besides them.
    """
    from quizapp.application.validate import validate as validate_files
    from quizapp.core.untrusted import visible

    loaded = [folder for folder in _deck_folders(ctx) if folder.exists()]
    validation = validate_files(list(paths), against=loaded) if paths else validate_files(loaded)
    for problem in validation.problems:
        click.echo(visible(str(problem)))
    click.echo(validation.summary(), err=not validation.ok)
    sys.exit(0 if validation.ok else 1)


@cli.command()
@click.argument("name", required=False)
@click.option(
    "--check",
    "check_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Check FILE against the exercise's references; exit 0 if every case passes, 1 if not.",
)
@click.option("--json", "as_json", is_flag=True, help="With --check: print the verdict as one JSON object.")
@click.option(
    "--device",
    type=click.Choice(["cpu", "cuda", "auto"]),
    default="cpu",
    show_default=True,
    help="Where the PyTorch references run.",
)
@click.option(
    "--starter", is_flag=True, help="Print the starter file: the spec, then the functions to implement."
)
@click.option("--hint", is_flag=True, help="Reveal the next hint (the ones seen so far are remembered).")
@click.option(
    "--dump-case",
    "dump_case",
    nargs=2,
    type=(str, click.Path(file_okay=False, path_type=Path)),
    default=None,
    metavar="CASE DIR",
    help="With --check: write CASE's inputs (.npy) and a script running FILE on them into DIR.",
)
@click.option(
    "--solution", is_flag=True, help="Print the model solution (once you have passed the exercise)."
)
@click.option(
    "--watch",
    "watch_file",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[FILE]",
    help="Re-check FILE (default: your workspace file) on every save.",
)
@click.pass_context
def exercise(
    ctx: click.Context,
    name: str | None,
    check_file: Path | None,
    as_json: bool,
    device: str,
    starter: bool,
    hint: bool,
    dump_case: tuple[str, Path] | None,
    solution: bool,
    watch_file: str | None,
) -> None:
    """List the exercises, or open NAME's exercise screen (or check, print or watch it).

    NAME is an id, an alias or the start of one, in any case (`conv`, `MaxPool2d`); `next` is the
    next exercise on the suggested path."""
    from quizapp.cli import exercise as commands
    from quizapp.core.untrusted import visible

    modes = [
        flag
        for flag, on in (
            ("--check", check_file),
            ("--starter", starter),
            ("--hint", hint),
            ("--solution", solution),
            ("--watch", watch_file is not None),
        )
        if on
    ]
    if len(modes) > 1:
        raise UsageProblem(f"{' and '.join(modes)} cannot be used together")
    if as_json and not check_file:
        raise UsageProblem("--json goes with --check FILE")
    if dump_case and not check_file:
        raise UsageProblem("--dump-case CASE DIR goes with --check FILE")
    if modes and name is None:
        raise UsageProblem(f"{modes[0]} needs an exercise NAME (`quizapp exercise` lists them)")
    if check_file or watch_file is not None:
        commands.start_sandbox_early()  # ready by the time the exercise files are read
    # Opened once for the whole command; only a named exercise's starter file needs no collection.
    collection = None if starter and name and not commands.is_next(name) else _open_collection(ctx)
    try:
        if collection is None:
            from quizapp.exercises.catalog import load_catalog

            catalog = load_catalog([folder for folder in _deck_folders(ctx) if folder.exists()])
        else:
            catalog = collection.catalog
        if name is None:
            assert collection is not None
            sys.exit(commands.list_exercises(collection))
        try:
            loaded = commands.find_exercise(catalog, name, collection)
        except commands.AmbiguousExercise:
            if modes or collection is None or not (sys.stdin.isatty() and sys.stdout.isatty()):
                raise  # listed, exit 2
            resolved_device = commands.usable_device(device)
            app_collection, collection = collection, None  # the app closes it
            _run_app(app_collection, start="exercise", exercise_name=name, device=resolved_device)
            return
        if commands.is_next(name) and not modes and not sys.stdout.isatty():
            click.echo(loaded.id)  # for scripts: `quizapp exercise next --starter > file.py` and so on
            return
        if starter:
            click.echo(visible(commands.starter_text(loaded)), nl=False)
            return
        assert collection is not None
        if hint:
            sys.exit(commands.show_hint(collection, loaded))
        elif solution:
            click.echo(visible(commands.model_solution(collection, loaded)), nl=False)
        elif check_file:
            sys.exit(commands.check_file(collection, loaded, check_file, device, as_json, dump_case))
        elif watch_file is not None:
            sys.exit(commands.watch(collection, loaded, Path(watch_file) if watch_file else None, device))
        else:
            resolved_device = commands.usable_device(device)
            app_collection, collection = collection, None  # the app closes it
            _run_app(app_collection, start="exercise", exercise_id=loaded.id, device=resolved_device)
    except commands.ExerciseUsageError as error:
        raise UsageProblem(str(error)) from None
    finally:
        if collection is not None:
            collection.close()


@cli.group(invoke_without_command=True)
@click.pass_context
def backup(ctx: click.Context) -> None:
    """List the database's backups (newest first); `now` takes one, `restore NAME` puts one back."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(backup_list)


@backup.command("list")
@click.pass_context
def backup_list(ctx: click.Context) -> None:
    """List the backups, newest first: name, time, why it was taken, reviews, size."""
    from quizapp.core.backup import backup_folder, list_backups

    home = _home(ctx)
    backups = list_backups(home)
    for item in backups:
        when = item.taken_at.astimezone().strftime("%Y-%m-%d %H:%M")
        size = item.path.stat().st_size / 1e6
        click.echo(f"{item.name}  {when}  {item.reason}  {item.reviews} reviews  {size:.1f} MB")
    click.echo(f"{len(backups)} backup(s) in {backup_folder(home)}", err=True)


@backup.command("now")
@click.pass_context
def backup_now(ctx: click.Context) -> None:
    """Take a backup of the database now."""
    import sqlite3

    from quizapp import locations
    from quizapp.core.backup import take_backup
    from quizapp.core.storage import describe

    home = _home(ctx)
    db_path = locations.db_path(home)
    if not db_path.is_file():
        raise UsageProblem(f"no database at {db_path} to back up")
    try:
        made = take_backup(db_path, home, "manual")
    except (sqlite3.Error, OSError) as error:
        raise StorageFailure(describe(error, db_path)) from None
    click.echo(f"backed up to {made.path}")


@backup.command("restore")
@click.argument("name")
@click.pass_context
def backup_restore(ctx: click.Context, name: str) -> None:
    """Put backup NAME (or a unique start of it) in place of the database; the current one is kept."""
    import sqlite3

    from quizapp import locations
    from quizapp.core.backup import find_backup, restore
    from quizapp.core.storage import describe

    home = _home(ctx)
    db_path = locations.db_path(home)
    try:
        chosen = find_backup(home, name)
        kept = restore(chosen, db_path, home)
    except (LookupError, ValueError) as error:
        raise UsageProblem(str(error.args[0])) from None
    except (sqlite3.Error, OSError) as error:
        raise StorageFailure(describe(error, db_path)) from None
    click.echo(
        f"restored {chosen.name} ({chosen.reviews} reviews); the database it replaced is kept as {kept}"
    )


def _home(ctx: click.Context) -> Path:
    from quizapp import locations

    return locations.home_dir(ctx.obj["home"])


def _register_commands() -> None:
    from quizapp.cli.anki import export_command, import_command
    from quizapp.cli.cards import browse, cards
    from quizapp.cli.content import content, decks, tags

    for command in (content, decks, tags, cards, browse, import_command, export_command):
        cli.add_command(command)


_register_commands()


def main() -> None:
    import sqlite3

    from quizapp.core.storage import describe

    try:
        cli(obj={})
    except (sqlite3.Error, OSError) as error:  # the disk or the database failed mid-command
        click.echo(f"Error: {describe(error)}", err=True)
        sys.exit(1)
