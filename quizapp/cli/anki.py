"""`quizapp import` and `quizapp export`: Anki packages in and out. Parsing and printing only; the
use cases are `quizapp.application.anki`'s. Imported by `main.py` at start-up, so heavy imports
stay inside the commands (and `main`'s helpers, which import this module)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("import")
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--deck-prefix",
    metavar="P",
    help="Start the imported decks' ids with P (default: anki) and their titles with 'P::'.",
)
@click.option("--dry-run", is_flag=True, help="Read, convert and report, but write nothing.")
@click.pass_context
def import_command(ctx: click.Context, package: Path, deck_prefix: str | None, dry_run: bool) -> None:
    """Import an Anki package (.apkg or .colpkg), its review history included.

    Each Anki deck becomes a deck file in the decks folder of your quizapp home (always loaded;
    edit it like any other); every answer in Anki's log becomes a review in quizapp's, and each
    card's schedule is rebuilt from them by quizapp's FSRS. Importing the same package again
    updates the cards (matched by Anki's note ids) and keeps what you studied in quizapp since.
    Exit status 2 when the package cannot be imported (the message says why).
    """
    from quizapp.application.anki import AnkiPackageError, import_package, report_lines
    from quizapp.cli.main import UsageProblem, _open_collection
    from quizapp.core.clock import utc_now
    from quizapp.core.untrusted import visible

    if deck_prefix is not None and not deck_prefix.strip():
        raise UsageProblem("--deck-prefix may not be empty")
    collection = _open_collection(ctx)
    try:
        report = import_package(
            collection,
            package,
            utc_now(),
            deck_prefix=deck_prefix,
            dry_run=dry_run,
            progress=lambda message: click.echo(visible(message), err=True),
        )
    except AnkiPackageError as error:
        raise UsageProblem(str(error)) from None
    finally:
        collection.close()
    for line in report_lines(report):
        click.echo(visible(line))


@click.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--deck", "decks", multiple=True, metavar="ID", help="Export this deck (repeatable; default: all)."
)
@click.option(
    "--with-history", is_flag=True, help="Include the review log and each card's schedule and FSRS state."
)
@click.pass_context
def export_command(ctx: click.Context, out: Path, decks: tuple[str, ...], with_history: bool) -> None:
    """Write your decks as an Anki package (OUT.apkg) that Anki, AnkiDroid and AnkiMobile import.

    Cards become notes of Anki's stock types (Basic, Basic (and reversed card), Basic (type in the
    answer), Cloze), code as code blocks and formulas as MathJax. With --with-history, Anki studies
    on from where quizapp left: the answers, each card's due date and its FSRS memory state.
    """
    from quizapp.application.anki import AnkiPackageError, export_package
    from quizapp.cli.main import UsageProblem, _open_collection
    from quizapp.core.clock import utc_now
    from quizapp.core.untrusted import visible

    if out.suffix.lower() != ".apkg":
        raise UsageProblem(f"{out}: the package's name must end in .apkg")
    collection = _open_collection(ctx)
    try:
        report = export_package(
            collection, out, utc_now(), deck_ids=list(decks) or None, with_history=with_history
        )
    except AnkiPackageError as error:
        raise UsageProblem(str(error)) from None
    finally:
        collection.close()
    history = (
        f" and {report.reviews:,} reviews" if report.with_history else " (no history: --with-history adds it)"
    )
    click.echo(
        visible(
            f"exported {report.notes:,} notes ({report.cards:,} cards){history} from {len(report.decks)} deck(s) to {out}"
        )
    )
