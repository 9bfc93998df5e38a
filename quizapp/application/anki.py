"""Anki packages in and out: `import_package` (an .apkg/.colpkg, its review history included, into
the learner's deck folder and log) and `export_package` (decks, and optionally their history, as an
.apkg Anki imports).

An import reads and converts everything first and writes nothing until it has all succeeded: the
deck files are written beside their final names and checked by the loader; then, after a backup,
one write transaction stores the cards, Anki's answers and each card's rebuilt schedule, and moves
the files into place; if anything fails, the files that were there before are put back.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp import locations
from quizapp.core.anki import AnkiPackageError
from quizapp.core.anki.convert import Conversion, convert, slug
from quizapp.core.anki.deckfile import dump, merged_cards
from quizapp.core.anki.history import Answer, Replay, is_answer, is_reset, replay
from quizapp.core.anki.package import Package
from quizapp.core.anki.reader import AnkiCollection, read_package
from quizapp.core.anki.store import (
    add_reviews,
    existing_cards,
    logged_answers,
    set_schedules,
    store_deck,
)
from quizapp.core.clock import day_bounds
from quizapp.core.db import write_transaction
from quizapp.core.loader import cross_file_problems, load_deck_file
from quizapp.core.parameters import CARDS, parameters_in_use
from quizapp.core.scheduling import make_scheduler

if TYPE_CHECKING:
    from quizapp.application.collection import Collection

__all__ = ["AnkiPackageError", "ImportConflict", "ImportReport", "import_package"]

Progress = Callable[[str], None]
SUSPENDED, BURIED = -1, (-2, -3)
MAX_DURATION_MS = 3_600_000
"""A longer answer time in a package is not a real one (Anki itself stops counting at a minute)."""


class ImportConflict(AnkiPackageError):
    """The package's decks or cards would take ids another deck file already uses."""


@dataclass
class Divergence:
    """How far the replayed memory state lands from the one Anki stored, over cards that have both."""

    cards: int = 0
    stability_relative: float | None = None
    """Median |quizapp − Anki| / Anki stability."""
    difficulty: float | None = None
    """Median |quizapp − Anki| difficulty (both on FSRS's 1–10 scale)."""
    stability_within_10_percent: float | None = None
    """Share of cards whose stability is within 10 % of Anki's."""


@dataclass
class ImportReport:
    package: str
    schema: int
    decks: list[tuple[str, str, int, Path]] = field(default_factory=list)
    """(deck id, title, cards in the file, file) for each deck written."""
    notes: int = 0
    cards: int = 0
    new_cards: int = 0
    """Cards quizapp did not have before this import."""
    reviews_added: int = 0
    reviews_known: int = 0
    """Anki answers already in quizapp's log (from an earlier import), not added again."""
    reviews_skipped: int = 0
    """Manual and rescheduling entries, and answers to cards that were not imported."""
    suspended: int = 0
    buried: int = 0
    skipped_notes: dict[str, int] = field(default_factory=dict)
    skipped_cards: int = 0
    media_copied: int = 0
    media_missing: list[str] = field(default_factory=list)
    divergence: Divergence = field(default_factory=Divergence)
    dry_run: bool = False
    backup: Path | None = None


@dataclass
class _Staged:
    final: Path
    staged: Path
    previous: bytes | None


def import_package(
    collection: Collection,
    path: Path,
    now: datetime,
    *,
    deck_prefix: str | None = None,
    dry_run: bool = False,
    progress: Progress = lambda _message: None,
    target: Path | None = None,
) -> ImportReport:
    """Import the Anki package at `path` into `target` (default: the learner's deck folder).

    Raises:
        AnkiPackageError: the package cannot be read (the message says why, in one sentence), or
            its ids clash with another deck file (`ImportConflict`).
    """
    progress(f"reading {path.name}…")
    anki, package = read_package(path)
    try:
        return _import(collection, anki, package, path, now, deck_prefix, dry_run, progress, target)
    finally:
        package.close()


def _import(
    collection: Collection,
    anki: AnkiCollection,
    package: Package,
    path: Path,
    now: datetime,
    deck_prefix: str | None,
    dry_run: bool,
    progress: Progress,
    target: Path | None,
) -> ImportReport:
    folder = (target or locations.user_decks_dir(collection.home)).resolve()
    prefix = slug(deck_prefix or "") or "anki"
    media_folder = f"{prefix}-media"
    progress(f"converting {len(anki.notes):,} notes in {len(anki.decks):,} decks…")
    conversion = convert(anki, prefix=prefix, title_prefix=deck_prefix, media_folder=media_folder)
    report = ImportReport(package=path.name, schema=anki.schema, dry_run=dry_run)
    report.notes = conversion.notes
    report.cards = len(conversion.card_ids)
    report.skipped_notes = dict(conversion.skipped_notes.most_common())
    report.skipped_cards = conversion.skipped_cards
    if not conversion.decks:
        raise AnkiPackageError(
            f"{path.name} holds no note quizapp can import ({_skipped_summary(conversion)})"
        )

    db = collection.db
    staging = Path(tempfile.mkdtemp(prefix=".quizapp-import-", dir=_existing_parent(folder)))
    try:
        progress(f"writing and checking {len(conversion.decks)} deck file(s) of {report.cards:,} cards…")
        staged, loads = _stage_decks(conversion, folder, staging, path.name)
        _check_ids(db, loads, folder)
        schedules, review_rows = _replay_history(collection, anki, conversion, now, report, progress)
        report.divergence = _divergence(anki, conversion, schedules)
        media = _stage_media(package, conversion, staging / "media", report)
        report.decks = [
            (load.deck_id or "", load.title, len(load.cards), s.final) for load, s in zip(loads, staged)
        ]
        if dry_run:
            return report
        progress(f"writing {len(review_rows):,} reviews and {report.cards:,} cards…")
        report.backup = _backup(collection)
        _commit(db, loads, staged, schedules, review_rows, media, folder / media_folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _existing_parent(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _skipped_summary(conversion: Conversion) -> str:
    if not conversion.skipped_notes:
        return "it has no notes"
    return "; ".join(f"{count} × {why}" for why, count in conversion.skipped_notes.most_common(3))


def _stage_decks(
    conversion: Conversion, folder: Path, staging: Path, package_name: str
) -> tuple[list[_Staged], list[Any]]:
    """Each deck file written under the staging folder (with its final name, for the loader's
    messages) and read back by the loader: what it stores is what the next start will read."""
    staged: list[_Staged] = []
    loads = []
    for plan in conversion.decks:
        final = folder / plan.file_name
        previous = final.read_bytes() if final.is_file() else None
        cards = merged_cards(
            plan, previous.decode("utf-8", "replace") if previous is not None else None, str(final)
        )
        file = staging / plan.file_name
        file.write_text(dump(plan, cards, package_name), encoding="utf-8")
        load = load_deck_file(file)
        if not load.ok:
            first = load.problems[0]
            raise AnkiPackageError(
                f"the deck made from {plan.title!r} does not load ({first.message} at line {first.line}); "
                "nothing was imported"
            )
        load.path = final
        for card in load.cards:
            card.file = str(final)
        staged.append(_Staged(final, file, previous))
        loads.append(load)
    return staged, loads


def _check_ids(db: Any, loads: list[Any], folder: Path) -> None:
    files = [str(load.path) for load in loads]
    marks = ",".join("?" * len(files))
    known = {
        row[0]: (row[1], row[2])
        for row in db.execute(
            f"select distinct note_id, file, deck from cards where present = 1 and file not in ({marks})",
            files,
        )
    }
    cross_file_problems(loads, known)
    for load in loads:
        if load.problems:
            raise ImportConflict(
                f"{load.problems[0].message}; nothing was imported (rename that deck or card, or use --deck-prefix)"
            )


def _replay_history(
    collection: Collection,
    anki: AnkiCollection,
    conversion: Conversion,
    now: datetime,
    report: ImportReport,
    progress: Progress,
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    settings = collection.settings
    scheduler = make_scheduler(settings, fuzz=False, parameters=parameters_in_use(collection.db, CARDS))
    hour = settings.day_starts_at_hour
    by_card: dict[int, list[Any]] = {}
    for review in anki.reviews:
        if review.card in conversion.card_ids and (is_answer(review) or is_reset(review)):
            by_card.setdefault(review.card, []).append(review)
        else:
            report.reviews_skipped += 1
    study_ids = list(conversion.card_ids.values())
    logged = logged_answers(collection.db, study_ids)
    existing = existing_cards(collection.db, study_ids)
    already = {card_id for card_id, state in existing.items() if state != 0}
    report.new_cards = len(set(study_ids) - set(existing))
    _day_start, day_end = day_bounds(now, hour)
    schedules: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    total = sum(len(reviews) for reviews in by_card.values())
    progress(f"replaying {total:,} answers through quizapp's scheduler…")
    done = step = 0
    flags = {card.id: card.queue for card in anki.cards}
    for anki_id, study_id in conversion.card_ids.items():
        reviews = by_card.get(anki_id, [])
        known_times = {round(item["at"] * 1000) for item in logged.get(study_id, [])}
        fresh = [r for r in reviews if r.id not in known_times]
        report.reviews_known += sum(1 for r in reviews if is_answer(r) and r.id in known_times)
        answers = [
            Answer(
                r.id / 1000,
                r.ease,
                min(max(r.duration_ms, 0), MAX_DURATION_MS),
                from_anki=True,
                reset=is_reset(r),
            )
            for r in fresh
        ] + [
            Answer(item["at"], item["rating"], item["duration_ms"], from_anki=False)
            for item in logged.get(study_id, [])
        ]
        news = any(not a.reset for a in answers if a.from_anki)
        if not news and study_id in already:
            continue  # nothing new from Anki: quizapp's own schedule and flags stand
        answers.sort(key=lambda a: a.at)
        result: Replay = replay(study_id, conversion.card_decks[anki_id], answers, scheduler, hour)
        queue = flags[anki_id]
        values = dict(result.schedule)
        values["suspended"] = int(queue == SUSPENDED)
        values["buried_until"] = day_end if queue in BURIED else None
        report.suspended += queue == SUSPENDED
        report.buried += queue in BURIED
        schedules[study_id] = values
        rows.extend(result.rows)
        done += len(reviews)
        if total >= 20_000 and done * 10 // total > step:
            step = done * 10 // total
            progress(f"replaying the review history: {done:,} / {total:,}")
    report.reviews_added = len(rows)
    return schedules, rows


def _divergence(
    anki: AnkiCollection, conversion: Conversion, schedules: dict[str, dict[str, Any]]
) -> Divergence:
    stability: list[float] = []
    difficulty: list[float] = []
    for card in anki.cards:
        ours = schedules.get(conversion.card_ids.get(card.id, ""))
        if ours is None or ours["stability"] is None or card.stability is None or card.difficulty is None:
            continue
        if card.stability <= 0:
            continue
        stability.append(abs(ours["stability"] - card.stability) / card.stability)
        difficulty.append(abs(ours["difficulty"] - card.difficulty))
    if not stability:
        return Divergence()
    return Divergence(
        cards=len(stability),
        stability_relative=statistics.median(stability),
        difficulty=statistics.median(difficulty),
        stability_within_10_percent=sum(1 for s in stability if s <= 0.1) / len(stability),
    )


def _stage_media(package: Package, conversion: Conversion, folder: Path, report: ImportReport) -> list[Path]:
    available = {file.name: file for file in package.media()}
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    for name in sorted(conversion.media):
        file = available.get(name)
        if file is None:
            report.media_missing.append(name)
            continue
        target = folder / name
        target.write_bytes(package.read_media(file))
        staged.append(target)
    report.media_copied = len(staged)
    return staged


def _backup(collection: Collection) -> Path | None:
    made = collection.back_up("before-anki-import")
    return made.path if made is not None else None


def _commit(
    db: Any,
    loads: list[Any],
    staged: list[_Staged],
    schedules: dict[str, dict[str, Any]],
    review_rows: list[dict[str, Any]],
    media: list[Path],
    media_folder: Path,
) -> None:
    """One write transaction; the files move into place last, inside it, and go back if it fails."""
    moved: list[_Staged] = []
    copied: list[Path] = []
    try:
        with write_transaction(db):
            for load, item in zip(loads, staged):
                stat = os.stat(item.staged)  # a rename keeps both: the next sync sees the file unchanged
                store_deck(db, load, (stat.st_mtime_ns, stat.st_size))
            add_reviews(db, review_rows)
            set_schedules(db, schedules)
            if media:
                media_folder.mkdir(parents=True, exist_ok=True)
            for file in media:
                destination = media_folder / file.name
                if not destination.exists():
                    os.replace(file, destination)
                    copied.append(destination)
            for item in staged:
                os.replace(item.staged, item.final)
                moved.append(item)
    except BaseException:
        for item in moved:
            try:
                if item.previous is None:
                    item.final.unlink(missing_ok=True)
                else:
                    item.final.write_bytes(item.previous)
            except OSError:
                pass  # the database rolled back; the next sync reads whatever the file holds
        for destination in copied:
            destination.unlink(missing_ok=True)
        raise


def report_lines(report: ImportReport) -> list[str]:
    """What the import did, for the command line."""
    verb = "would import" if report.dry_run else "imported"
    lines = [
        f"{verb} {report.notes:,} notes as {report.cards:,} cards ({report.new_cards:,} new to quizapp) "
        f"from {report.package} (Anki schema {report.schema}):"
    ]
    for deck_id, title, cards, file in report.decks:
        lines.append(f"  {deck_id}  {title}  {cards} cards  → {file}")
    lines.append(
        f"history: {report.reviews_added:,} answers added to the review log"
        + (f", {report.reviews_known:,} already there" if report.reviews_known else "")
        + (
            f", {report.reviews_skipped:,} entries skipped (manual, rescheduled or of skipped cards)"
            if report.reviews_skipped
            else ""
        )
    )
    if report.suspended or report.buried:
        lines.append(f"kept from Anki: {report.suspended} suspended, {report.buried} buried card(s)")
    divergence = report.divergence
    if divergence.cards:
        lines.append(
            f"schedule rebuilt by quizapp's FSRS from the history; against Anki's stored memory state over "
            f"{divergence.cards:,} cards: median |Δstability| {divergence.stability_relative:.1%}, "
            f"median |Δdifficulty| {divergence.difficulty:.2f}, "
            f"{divergence.stability_within_10_percent:.0%} within 10 % of Anki's stability"
        )
    for why, count in report.skipped_notes.items():
        lines.append(f"skipped {count} note(s) — {why}")
    if report.skipped_cards:
        lines.append(
            f"skipped {report.skipped_cards} card(s) with nothing to show (an empty cloze or an unused reverse)"
        )
    if report.media_copied or report.media_missing:
        lines.append(
            f"media: {report.media_copied} file(s) copied beside the decks"
            + (
                f"; {len(report.media_missing)} referenced but not in the package"
                if report.media_missing
                else ""
            )
        )
    if report.backup is not None:
        lines.append(f"backup taken first: {report.backup.name}")
    if report.dry_run:
        lines.append("dry run: nothing was written")
    return lines


# -- export --------------------------------------------------------------------------------------------


class NoSuchDeck(AnkiPackageError):
    """`--deck ID` names no deck quizapp has."""


@dataclass
class ExportReport:
    path: Path
    decks: list[str] = field(default_factory=list)
    notes: int = 0
    cards: int = 0
    reviews: int = 0
    with_history: bool = False


def export_package(
    collection: Collection,
    out: Path,
    now: datetime,
    *,
    deck_ids: list[str] | None = None,
    with_history: bool = False,
) -> ExportReport:
    """Write the decks (all, or `deck_ids`) as an .apkg Anki imports; with their review log and
    FSRS state when `with_history`, so that Anki (or a phone) studies on from where quizapp left."""
    from quizapp.core.anki.export import export_notes
    from quizapp.core.anki.writer import write_package

    db = collection.db
    present = {row["id"]: row["title"] for row in db.query("select id, title from decks where present = 1")}
    chosen = list(present) if not deck_ids else list(dict.fromkeys(deck_ids))
    unknown = [deck for deck in chosen if deck not in present]
    if unknown:
        raise NoSuchDeck(
            f"no deck {', '.join(repr(d) for d in unknown)} (`quizapp` lists the decks and their ids)"
        )
    hour = collection.settings.day_starts_at_hour
    notes, created, reviews = export_notes(
        db, chosen, now, with_history=with_history, day_starts_at_hour=hour
    )
    if not notes:
        raise NoSuchDeck("the chosen decks hold no cards to export")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_package(out, notes, created=created, now=int(now.timestamp()), rollover_hour=hour)
    return ExportReport(
        path=out,
        decks=[present[deck] for deck in chosen],
        notes=len(notes),
        cards=sum(len(note.cards) for note in notes),
        reviews=reviews,
        with_history=with_history,
    )
