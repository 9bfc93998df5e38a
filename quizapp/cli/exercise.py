"""`quizapp exercise` without the TUI: list, check a file, watch a file. Each returns an exit code.

Parsing and printing only: the use cases (open, check, record, hints, the model solution) are
`quizapp.application.exercises`'s, the same the exercise screen calls.
"""

from __future__ import annotations

import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from quizapp.core.untrusted import visible
from quizapp.exercises.catalog import Catalog, LoadedExercise
from quizapp.exercises.names import NEXT

if TYPE_CHECKING:
    from quizapp.application.collection import Collection
    from quizapp.exercises.checker import Checker
    from quizapp.exercises.sandbox.client import SandboxHost

WATCH_INTERVAL_S = 0.2
_UNSEEN = object()


class ExerciseUsageError(Exception):
    """Bad input on the command line or in an exercise file: exit code 2."""


class AmbiguousExercise(ExerciseUsageError):
    """NAME is the start of several exercises: listed in the message (exit 2), or offered in the
    exercise screen's picker when `quizapp exercise NAME` opens the TUI on a terminal."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


def is_next(name: str) -> bool:
    return name.strip().lower() == NEXT


def find_exercise(catalog: Catalog, name: str, collection: Collection | None = None) -> LoadedExercise:
    """The exercise NAME means (id, alias or unique prefix, any case), or `next` on the path (which
    needs the learner's `collection`)."""
    from quizapp.exercises.names import AmbiguousName, NameNotFound, resolve
    from quizapp.exercises.path import path_order

    if is_next(name) and collection is not None:
        return _next_exercise(collection)
    try:
        return resolve(catalog, name, [exercise.id for exercise in path_order(catalog.exercises.values())])
    except AmbiguousName as ambiguous:
        listed = "\n".join(f"  {exercise.id:<22} {exercise.spec.title}" for exercise in ambiguous.matches)
        raise AmbiguousExercise(
            f"{name!r} could mean {len(ambiguous.matches)} exercises; type more of the name:\n{listed}", name
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


def _next_exercise(collection: Collection) -> LoadedExercise:
    from quizapp.application.exercises import learning_path

    path = learning_path(collection, datetime.now(UTC))
    found = path.upcoming
    if found is None:
        raise ExerciseUsageError(f"nothing to do: {path.progress}, and none is due to be redone yet")
    click.echo(visible(f"Next: {found.id} — {found.spec.title} ({path.progress})"), err=True)
    return found


def list_exercises(collection: Collection) -> int:
    """Every exercise in the suggested order, with the learner's status, and the progress so far."""
    from quizapp.application.exercises import learning_path

    now = datetime.now(UTC)
    catalog = collection.catalog
    path = learning_path(collection, now)
    ordered, statuses, upcoming = path.ordered, path.statuses, path.upcoming
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
    click.echo(f"\n{path.progress}")
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
    from quizapp.application.exercises import reveal_hint
    from quizapp.core.latex import to_unicode

    hints = loaded.spec.hints
    shown, revealed = reveal_hint(collection, loaded)
    if not hints:
        click.echo(f"{loaded.id} has no hints.")
        return 0
    for number, hint in enumerate(hints[:shown], 1):
        text = visible(f"Hint {number} of {len(hints)}: {to_unicode(hint)}")
        click.echo(
            click.style(text, bold=True) if number == shown and revealed else click.style(text, dim=True)
        )
    left = len(hints) - shown
    if left:
        click.echo(f"({left} more: run --hint again)", err=True)
    elif revealed:
        click.echo("(that was the last hint)", err=True)
    else:
        click.echo(f"(no more hints: all {len(hints)} are shown above)", err=True)
    return 0


def model_solution(collection: Collection, loaded: LoadedExercise) -> str:
    from quizapp.application import exercises as use_cases

    try:
        return use_cases.model_solution(collection, loaded)
    except use_cases.NotPassedYet:
        raise ExerciseUsageError(
            f"{loaded.id}: the model solution shows once you have passed the exercise "
            f"(quizapp exercise {loaded.id} --check FILE)"
        ) from None
    except use_cases.NoModelSolution:
        raise ExerciseUsageError(f"{loaded.id} has no model solution") from None


def _read_code(path: Path) -> str:
    """The text of a regular file of at most MAX_CODE_BYTES (the checker's cap, which also holds
    for code typed in the exercise screen); a FIFO, a device or a folder is refused, not waited on
    or read without end."""
    import os
    import stat

    from quizapp.exercises.static_check import MAX_CODE_BYTES

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ExerciseUsageError(f"{path}: no such file") from None
    except OSError as error:
        raise ExerciseUsageError(f"{path}: cannot read ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ExerciseUsageError(f"{path}: a folder, not a Python file")
        if not stat.S_ISREG(info.st_mode):
            raise ExerciseUsageError(f"{path}: not a regular file (a pipe, a socket or a device)")
        if info.st_size > MAX_CODE_BYTES:
            raise ExerciseUsageError(
                f"{path}: {info.st_size / 1024:,.0f} KiB; a solution file is at most "
                f"{MAX_CODE_BYTES // 1024} KiB (is it the right file?)"
            )
        with os.fdopen(fd, "rb", closefd=False) as stream:
            raw = stream.read(MAX_CODE_BYTES + 1)
    except OSError as error:
        raise ExerciseUsageError(f"{path}: cannot read ({error.strerror})") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_CODE_BYTES:  # it grew while being read
        raise ExerciseUsageError(
            f"{path}: over {MAX_CODE_BYTES // 1024} KiB; a solution file is not that long"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ExerciseUsageError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def usable_device(device: str) -> str:
    """The device the references will run on; a usage error when CUDA is asked for and absent.
    For the TUI: asks torch in a helper process, so this one never imports it."""
    from quizapp.exercises.device import DeviceUnavailable, resolve_device

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
    """A checker that builds references in this process (one cold `import torch`, overlapping the
    sandbox host's start, beats asking a helper process), through the reference cache."""
    from quizapp.exercises.checker import Checker, DeviceUnavailable
    from quizapp.exercises.reference_builder import InProcessReferences, resolve_device_here
    from quizapp.exercises.reference_cache import cache_dir

    global _early_host
    checker = Checker(_early_host, references=InProcessReferences(cache_dir(home)))
    _early_host = None
    checker.host.start()  # NumPy loads in the host while torch loads here
    try:
        return checker, resolve_device_here(device)
    except DeviceUnavailable as error:
        checker.close()
        raise ExerciseUsageError(str(error)) from None


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
    from quizapp.application.exercises import check_exercise, record_attempt
    from quizapp.exercises.report import format_verdict, verdict_json

    script = None
    code = _read_code(path)
    if dump is not None:
        _known_case(loaded, dump[0])  # a typo is said before the check (and torch's import), not after
    checker, device = _checker_for(device, collection.home)
    try:
        verdict = check_exercise(checker, loaded, code, str(path), device)
        if dump is not None and not verdict.exercise_broken:
            script = _dump(checker, loaded, device, dump, path)
        record_attempt(collection, loaded, code, verdict, datetime.now(UTC), "check")
        # Said before the sandbox host is closed (≈ 30 ms): the learner reads it sooner.
        if as_json:
            click.echo(verdict_json(verdict))
        else:
            click.echo(format_verdict(verdict, loaded.spec.title, click.style))
        if script is not None and dump is not None:
            click.echo(
                visible(f"Case {dump[0]!r} written to {script.parent}; run it with: python {script}"),
                err=True,
            )
        sys.stdout.flush()
    finally:
        checker.close()
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
    from quizapp.application.exercises import check_exercise, record_attempt
    from quizapp.exercises.report import format_verdict

    try:
        code = _read_code(path)
    except ExerciseUsageError as error:  # e.g. saved as Latin-1: say so and keep watching
        click.echo(visible(f"{error}; fix it and save again."), err=True)
        return
    verdict = check_exercise(checker, loaded, code, str(path), device)
    untouched = record_attempt(
        collection, loaded, code, verdict, datetime.now(UTC), "watch"
    ).untouched_starter
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
    missed on WSL drives, NFS and some editors' atomic saves, which watch modes are notorious for.
    Without FILE it watches the workspace file, opened as the exercise screen opens it (a passed
    exercise that is due again starts from scratch)."""
    from quizapp.application.exercises import open_exercise

    if path is None:
        opened = open_exercise(collection, loaded, datetime.now(UTC))
        path = opened.path
        if opened.notice:
            click.echo(visible(opened.notice), err=True)
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
