"""`quizapp exercise` without the TUI: list, check a file, watch a file. Each returns an exit code."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from quizapp.core.untrusted import visible
from quizapp.exercises.catalog import Catalog, LoadedExercise, load_catalog

if TYPE_CHECKING:
    from quizapp.application.collection import Collection
    from quizapp.exercises.checker import Checker, Verdict
    from quizapp.exercises.sandbox.client import SandboxHost

WATCH_INTERVAL_S = 0.2
_UNSEEN = object()


class ExerciseUsageError(Exception):
    """Bad input on the command line or in an exercise file: exit code 2."""


NEXT = "next"
"""`quizapp exercise next`: the next exercise on the suggested path."""


def find_exercise(
    folders: list[Path], name: str, open_collection: Callable[[], Collection] | None = None
) -> LoadedExercise:
    """The exercise NAME means (id, alias or unique prefix, any case), or `next` on the path."""
    from quizapp.exercises.names import AmbiguousName, NameNotFound, resolve
    from quizapp.exercises.path import path_order

    catalog = load_catalog(folders)
    if name.strip().lower() == NEXT and open_collection is not None:
        return _next_exercise(catalog, open_collection())
    try:
        return resolve(catalog, name, [exercise.id for exercise in path_order(catalog.exercises.values())])
    except AmbiguousName as ambiguous:
        listed = "\n".join(f"  {exercise.id:<22} {exercise.spec.title}" for exercise in ambiguous.matches)
        raise ExerciseUsageError(
            f"{name!r} could mean {len(ambiguous.matches)} exercises; type more of the name:\n{listed}"
        ) from None
    except NameNotFound:
        pass
    broken = [
        str(p) for p in catalog.problems if Path(p.file).stem.replace("_", "-") == name.replace("_", "-")
    ]
    if broken:
        raise ExerciseUsageError(f"exercise {name!r} has problems:\n" + "\n".join(broken))
    known = ", ".join(exercise.id for exercise in path_order(catalog.exercises.values())) or "none"
    raise ExerciseUsageError(f"no exercise named {name!r} (known: {known})")


def _next_exercise(catalog: Catalog, collection: Collection) -> LoadedExercise:
    from quizapp.exercises.path import next_exercise, progress_line
    from quizapp.exercises.progress import ExerciseProgress

    try:
        statuses = ExerciseProgress(collection.db, collection.settings).statuses()
    finally:
        collection.close()
    now = datetime.now(UTC)
    found = next_exercise(catalog.exercises.values(), statuses, now)
    progress = progress_line(catalog.exercises.values(), statuses, now)
    if found is None:
        raise ExerciseUsageError(f"nothing to do: {progress}, and none is due to be redone yet")
    click.echo(visible(f"Next: {found.id} — {found.spec.title} ({progress})"), err=True)
    return found


def exercise_folders(collection: Collection) -> list[Path]:
    return [folder for folder in collection.content_dirs if folder.exists()]


def list_exercises(collection: Collection) -> int:
    """Every exercise in the suggested order, with the learner's status, and the progress so far."""
    from quizapp.exercises.path import next_exercise, path_order, progress_line
    from quizapp.exercises.progress import ExerciseProgress

    try:
        catalog = load_catalog(exercise_folders(collection))
        statuses = ExerciseProgress(collection.db, collection.settings).statuses()
    finally:
        collection.close()
    now = datetime.now(UTC)
    ordered = path_order(catalog.exercises.values())
    upcoming = next_exercise(ordered, statuses, now)
    width = max((len(exercise.id) for exercise in ordered), default=0)
    topic = None
    for exercise in ordered:
        if exercise.spec.topic != topic:
            topic = exercise.spec.topic
            click.echo(click.style(f"{topic or 'more'}", bold=True))
        status = statuses.get(exercise.id)
        label = status.label(now) if status else "new"
        mark = "  ← next" if exercise is upcoming else ""
        click.echo(f"  {exercise.id:<{width}}  {label:<20}  {visible(exercise.spec.title)}{mark}")
    click.echo(f"\n{progress_line(ordered, statuses, now)}")
    for problem in catalog.problems:
        click.echo(visible(f"skipped: {problem}"), err=True)
    click.echo(
        "`quizapp exercise next` goes on with the one marked ← next; `quizapp exercise NAME` opens one "
        "(an id, an alias or its start); `--starter`, `--hint`, `--check FILE`, `--watch` work without "
        "the screen.",
        err=True,
    )
    return 0


def starter_text(loaded: LoadedExercise) -> str:
    """The file to implement, with the spec (prompt, rules, cases) on top."""
    from quizapp.exercises.starter import starter_file

    return starter_file(loaded)


def show_hint(collection: Collection, loaded: LoadedExercise) -> int:
    """Print the hints seen so far and reveal the next one; remembered for the next call and the TUI."""
    from quizapp.core.latex import to_unicode
    from quizapp.exercises.hints import reveal_next_hint

    hints = loaded.spec.hints
    try:
        shown, revealed = reveal_next_hint(collection.home, loaded.id, len(hints))
    finally:
        collection.close()
    if not hints:
        click.echo(f"{loaded.id} has no hints.")
        return 0
    for number, hint in enumerate(hints[:shown], 1):
        text = visible(f"Hint {number} of {len(hints)}: {to_unicode(hint)}")
        click.echo(
            click.style(text, bold=True) if number == shown and revealed else click.style(text, dim=True)
        )
    left = len(hints) - shown
    click.echo(f"({left} more: run --hint again)" if left else "(that was the last hint)", err=True)
    return 0


def model_solution(collection: Collection, loaded: LoadedExercise) -> str:
    from quizapp.exercises.progress import ExerciseProgress

    try:
        passed = ExerciseProgress(collection.db, collection.settings).status(loaded.id).ever_passed
    finally:
        collection.close()
    if not passed:
        raise ExerciseUsageError(
            f"{loaded.id}: the model solution shows once you have passed the exercise "
            f"(quizapp exercise {loaded.id} --check FILE)"
        )
    if loaded.solution_path is None:
        raise ExerciseUsageError(f"{loaded.id} has no model solution")
    return loaded.solution_path.read_text(encoding="utf-8")


def _read_code(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExerciseUsageError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise ExerciseUsageError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise ExerciseUsageError(f"{path}: cannot read ({error.strerror})") from None


def usable_device(device: str) -> str:
    """The device the references will run on; a usage error when CUDA is asked for and absent."""
    from quizapp.exercises.checker import DeviceUnavailable, resolve_device

    try:
        return resolve_device(device)
    except DeviceUnavailable as error:
        raise ExerciseUsageError(str(error)) from None


_early_host: SandboxHost | None = None


def start_sandbox_early() -> None:
    """Start the sandbox host now: it imports NumPy in its own process while this one reads the
    exercise files, so a first check does not wait for it. Closed at exit if no check takes it."""
    global _early_host
    import atexit

    from quizapp.exercises.sandbox.client import SandboxHost

    _early_host = SandboxHost()
    _early_host.start()
    atexit.register(_early_host.close)


def _checker_for(device: str, home: Path) -> tuple[Checker, str]:
    from quizapp.exercises.checker import Checker, DeviceUnavailable, resolve_device
    from quizapp.exercises.reference_cache import cache_dir

    global _early_host
    checker = Checker(_early_host, cache_dir=cache_dir(home))
    _early_host = None
    checker.host.start()  # NumPy loads in the host while torch loads here
    try:
        return checker, resolve_device(device)
    except DeviceUnavailable as error:
        checker.close()
        raise ExerciseUsageError(str(error)) from None


def _record(collection: Collection, loaded: LoadedExercise, code: str, verdict: Verdict, via: str) -> None:
    from quizapp.exercises.progress import ExerciseProgress

    if not verdict.cancelled and not verdict.exercise_broken:
        ExerciseProgress(collection.db, collection.settings).record(
            loaded.id, code, verdict, datetime.now(UTC), via
        )


def check_file(
    collection: Collection,
    loaded: LoadedExercise,
    path: Path,
    device: str,
    as_json: bool,
    dump: tuple[str, Path] | None = None,
) -> int:
    """Check FILE and print the verdict; with `dump` = (CASE, DIR), also write that case's inputs
    and a script that runs FILE on them."""
    from quizapp.exercises.report import format_verdict, verdict_json

    script = None
    try:
        code = _read_code(path)
        checker, device = _checker_for(device, collection.home)
        try:
            if dump is not None:
                _known_case(loaded, dump[0])  # a typo is said before the check, not after it
            verdict = checker.check(loaded, code, str(path), device)
            if dump is not None and not verdict.exercise_broken:
                script = _dump(checker, loaded, device, dump, path)
        finally:
            checker.close()
        _record(collection, loaded, code, verdict, "check")
    finally:
        collection.close()
    if as_json:
        click.echo(verdict_json(verdict))
    else:
        click.echo(format_verdict(verdict, loaded.spec.title, click.style))
    if script is not None:
        click.echo(
            visible(f"Case {dump[0]!r} written to {script.parent}; run it with: python {script}"), err=True
        )
    if verdict.exercise_broken:
        return 2
    return 0 if verdict.passed else 1


def _known_case(loaded: LoadedExercise, case_name: str) -> None:
    names = [case.name for case in loaded.cases]
    if case_name not in names:
        raise ExerciseUsageError(
            f"--dump-case: {loaded.id} has no case {case_name!r} (its cases: {', '.join(names)})"
        )


def _dump(
    checker: Checker, loaded: LoadedExercise, device: str, dump: tuple[str, Path], solution: Path
) -> Path:
    from quizapp.exercises.dump import dump_case

    case_name, folder = dump
    try:
        return dump_case(loaded, checker.cases_for(loaded, device), case_name, solution, folder)
    except OSError as error:
        raise ExerciseUsageError(f"--dump-case: cannot write {folder} ({error.strerror})") from None


def _check_and_report(
    collection: Collection, checker: Checker, loaded: LoadedExercise, path: Path, device: str, first: bool
) -> None:
    """One round of a watch: the screen cleared (on a terminal), the verdict, and the sandbox's
    layers only the first time. The untouched starter is checked but not stored as an attempt."""
    from quizapp.exercises.report import format_verdict
    from quizapp.exercises.starter import is_untouched

    try:
        code = _read_code(path)
    except ExerciseUsageError as error:  # e.g. saved as Latin-1: say so and keep watching
        click.echo(visible(f"{error}; fix it and save again."), err=True)
        return
    verdict = checker.check(loaded, code, str(path), device)
    untouched = is_untouched(code, loaded)
    if not untouched:
        _record(collection, loaded, code, verdict, "watch")
    if not first and sys.stdout.isatty():
        click.clear()
    click.echo(f"── {time.strftime('%H:%M:%S')} ──")
    click.echo(format_verdict(verdict, loaded.spec.title, click.style, sandbox=first))
    if untouched:
        click.echo(
            "This is the starter as it came: not stored as an attempt. Implement the functions and save.",
            err=True,
        )
    click.echo(visible(f"Watching {path}; Ctrl+C stops."), err=True)


def watch(collection: Collection, loaded: LoadedExercise, path: Path | None, device: str) -> int:
    """Check on start and after every save, until Ctrl+C. Polls, because file-change events are
    missed on WSL drives, NFS and some editors' atomic saves, which watch modes are notorious for."""
    from quizapp.exercises.workspace import ensure_solution_file

    if path is None:
        path = ensure_solution_file(collection.home, loaded)
    # Ctrl+C is how a watch ends. A process started in the background by a non-interactive shell
    # inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler: put it back.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    checker, device = _checker_for(device, collection.home)
    seen = previous = _UNSEEN
    rounds = 0
    try:
        click.echo(visible(f"Watching {path} (checks on every save; Ctrl+C stops)."), err=True)
        while True:
            try:
                stat = path.stat()
                signature = (stat.st_mtime_ns, stat.st_size)
            except FileNotFoundError:
                signature = None
            # Check once a change has held still for one interval: an editor that writes in place
            # is not caught half-way, which would store (and maybe grade) half a solution.
            if signature != seen and signature == previous:
                seen = signature
                if signature is None:
                    click.echo(visible(f"{path}: no such file yet; waiting for it."), err=True)
                else:
                    _check_and_report(collection, checker, loaded, path, device, first=rounds == 0)
                    rounds += 1
            previous = signature
            time.sleep(WATCH_INTERVAL_S)
    except KeyboardInterrupt:
        click.echo("\nStopped watching.", err=True)
        return 0
    finally:
        checker.close()
        collection.close()
