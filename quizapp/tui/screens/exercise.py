"""One exercise: the prompt and hints beside an editor, checks run in a worker, results below.

The editor holds the learner's workspace file (`<home>/exercises/<id>.py`), saved half a second
after each change and before every check, so nothing typed is lost to a crash. After a check the
results panel opens under both: the cases on the left, and on the right the full message of the
highlighted case, which starts on the first failing one, so the reason is on screen without
hunting for it (at 80×24 too).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Key
from textual.message import Message
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import DataTable, Markdown, Static, TextArea

from quizapp.application import exercises as use_cases
from quizapp.application.editor import NoEditor, editor_command
from quizapp.core.latex import to_unicode
from quizapp.core.storage import describe
from quizapp.core.untrusted import safe_text, visible
from quizapp.exercises.catalog import LoadedExercise
from quizapp.exercises.progress import ExerciseStatus
from quizapp.exercises.report import format_params
from quizapp.exercises.starter import starter_file
from quizapp.exercises.verdict import Verdict, first_line
from quizapp.exercises.workspace import solution_path, start_over
from quizapp.tui.editing import run_editor
from quizapp.tui.keybar import KeyBar
from quizapp.tui.render import code_block, inline
from quizapp.tui.screens.base import QuizScreen
from quizapp.tui.waiting import LockWait

AUTOSAVE_DELAY_S = 0.5
INDENT = "    "


class CodeEditor(TextArea):
    """A TextArea that indents as a Python editor does: Enter keeps the indentation of the line
    above, and adds one level after a line ending in `:`."""

    async def _on_key(self, event: Key) -> None:
        if event.key != "enter" or self.read_only:
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
        row, column = self.selection.end
        before = self.document.get_line(row)[:column]
        indent = before[: len(before) - len(before.lstrip(" \t"))]
        if before.rstrip().endswith(":") and not before.lstrip().startswith("#"):
            indent += INDENT
        self.replace("\n" + indent, *self.selection)

    def on_resize(self) -> None:
        """The editor shrinks when the results panel opens under it: the line being edited stays
        in view rather than under the panel."""
        self.scroll_cursor_visible()


class ExerciseScreen(QuizScreen[None]):
    """Everything shown from the exercise file or the learner's run goes through `safe_text`:
    a check's output is untrusted, and a `[` in it must not be read as markup.

    A check runs in a worker thread (`_check`) and always ends in one message carrying the code it
    checked: `CheckFinished` with the verdict, or `CheckFailed` when quizapp itself failed."""

    @dataclass
    class CheckFinished(Message, bubble=False):
        """A check has a verdict: `code` is exactly the text that was checked."""

        code: str
        verdict: Verdict

    @dataclass
    class CheckFailed(Message, bubble=False):
        """A check could not run (quizapp's own fault, not the learner's): `code` is what was sent."""

        code: str
        error: str

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "run_check", "Check", id="check", priority=True),
        Binding("escape", "cancel_or_back", "Cancel / back", id="back", priority=True),
        Binding("ctrl+t", "next_hint", "Hint", id="hint", priority=True),
        Binding("ctrl+e", "open_editor", "$EDITOR", id="editor", priority=True),
        Binding("ctrl+o", "show_solution", "Model solution", id="solution", priority=True),
        Binding("ctrl+n", "start_over", "Start over", id="start-over", priority=True),
        Binding("ctrl+s", "save", "Save", id="save", show=False, priority=True),
        Binding("f2", "switch_pane", "Prompt ⇄ editor", id="switch-pane", priority=True),
        Binding("alt+down", "scroll_prompt(4)", "Scroll prompt", id="prompt-down", show=False, priority=True),
        Binding("alt+up", "scroll_prompt(-4)", "Scroll prompt up", id="prompt-up", show=False, priority=True),
    ]

    running: var[bool] = var(False)
    verdict: var[Verdict | None] = var(None)

    def __init__(self, exercise: LoadedExercise) -> None:
        super().__init__()
        self.exercise = exercise
        self.path: Path | None = None
        """The learner's workspace file, known once mounted."""
        self.hints_shown = 0
        """How many hints are on screen; shared with `quizapp exercise NAME --hint`."""
        self._autosave: Timer | None = None
        self._unsaved: str | None = None
        self._leave_unsaved = False
        """Escape was pressed once with code that could not be saved: the next one leaves anyway."""
        """Editor text not yet on disk."""
        self._save_problem = ""
        """Why the last save failed, and where a copy went."""

    def compose(self) -> ComposeResult:
        yield Static(id="exercise-title")
        with Horizontal(id="exercise-body"):
            with VerticalScroll(id="exercise-info"):
                yield Markdown(id="exercise-prompt")
                yield Static(id="exercise-hints")
                yield Static(id="exercise-solution")
            with Vertical(id="exercise-editor-pane"):
                yield CodeEditor.code_editor("", language="python", id="exercise-editor")
        with Horizontal(id="exercise-results-pane"):
            yield DataTable(id="exercise-results", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="exercise-detail-pane"):
                yield Static(id="exercise-detail")
        yield Static(id="exercise-status")
        yield LockWait()
        yield KeyBar()

    def on_mount(self) -> None:
        collection = self.app.collection
        problem = None
        try:
            opened = use_cases.open_exercise(collection, self.exercise, self.app.clock())
            code = opened.path.read_text(encoding="utf-8")
        except OSError as error:  # the file cannot be made (a full or read-only disk)
            path = solution_path(collection.home, self.exercise.id)
            if path.exists():
                self.app.leave_screen()
                self.app.notify(visible(describe(error, path)), severity="error", timeout=30, markup=False)
                return
            # The starter stays in the editor, and is saved once the disk lets it (autosave, ctrl+s).
            opened = use_cases.OpenedExercise(
                self.exercise, path, use_cases.exercise_status(collection, self.exercise.id)
            )
            code = self._unsaved = starter_file(self.exercise)
            problem = f"Not saved yet: {describe(error, path)} Your code stays here until it can be."
        self.path = opened.path
        self._show_title(opened.status)
        self.query_one("#exercise-prompt", Markdown).update(visible(to_unicode(self.exercise.spec.prompt)))
        editor = self.query_one("#exercise-editor", TextArea)
        editor.load_text(code)
        table = self.query_one("#exercise-results", DataTable)
        for label in ("", "Case", "Result", "Parameters"):
            table.add_column(label, key=label.lower() or "mark")
        self.query_one("#exercise-results-pane").display = False  # until there is a verdict
        self.hints_shown = use_cases.hints_seen(self.app.collection, self.exercise)
        self._show_hints()
        self._set_status(
            problem or opened.notice or f"Editing {self.path} · ctrl+r checks · ctrl+t hint · F1 keys"
        )
        editor.focus()

    def _show_title(self, status: ExerciseStatus | None = None) -> None:
        if status is None:
            status = use_cases.exercise_status(self.app.collection, self.exercise.id)
        self.query_one("#exercise-title", Static).update(
            Text.assemble(
                safe_text(self.exercise.spec.title, "bold"),
                safe_text(f"   {self.exercise.id} · {status.label(self.app.clock())}"),
            )
        )

    # -- editing -----------------------------------------------------------------------------------

    @on(TextArea.Changed, "#exercise-editor")
    def _edited(self, event: TextArea.Changed) -> None:
        self._unsaved = event.text_area.text
        self._leave_unsaved = False
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_DELAY_S, self._save)

    def action_save(self) -> bool:
        return self._save(self.query_one("#exercise-editor", TextArea).text)

    def _save(self, text: str | None = None) -> bool:
        """Write the editor's text; on failure it stays here (and is retried), with a copy elsewhere."""
        text = self._unsaved if text is None else text
        if text is None or self.path is None:
            return True
        saved = use_cases.save_code(self.exercise, self.path, text)
        if saved.ok:
            self._unsaved = None
            return True
        self._unsaved = text  # kept: the next edit, ctrl+s or leaving the screen tries again
        where = (
            f"A copy is in {saved.rescued_to}."
            if saved.rescued_to
            else "No copy could be written anywhere: keep this screen open."
        )
        self._save_problem = f"{self.exercise.id}: not saved: {saved.problem} {where}"
        self.notify(
            visible(f"Not saved: {saved.problem} Your code is still here. {where}"),
            title="Could not save",
            severity="error",
            timeout=30,
            markup=False,
        )
        return False

    def on_unmount(self) -> None:
        if not self._save():  # whatever the autosave had not written yet
            self.app.unsaved_on_exit.append(self._save_problem)  # the screen's notice dies with it

    def action_open_editor(self) -> None:
        """Edit in $EDITOR (or $VISUAL); the screen reloads the file when the editor exits."""
        if not self.action_save():
            return  # the file on disk is older than the editor's text: reloading it would lose code
        path = self._file()
        try:
            command = editor_command(path)
        except NoEditor:
            self.notify(
                "Set $EDITOR (e.g. export EDITOR=vim) to edit in your own editor.", severity="warning"
            )
            return
        if run_editor(self, command):
            self.query_one("#exercise-editor", TextArea).load_text(path.read_text(encoding="utf-8"))

    def action_start_over(self) -> None:
        """Back to the starter; the current file is kept beside it, never deleted."""
        if not self._save():
            return  # the file kept would be older than the editor's text
        try:
            kept = start_over(self.app.collection.home, self.exercise)
            starter = self._file().read_text(encoding="utf-8")
        except OSError as error:  # a full or read-only disk: the editor keeps the learner's code
            self._unsaved = self.query_one("#exercise-editor", TextArea).text
            self.notify(visible(f"Not started over: {describe(error)}"), severity="error", markup=False)
            return
        self.query_one("#exercise-editor", TextArea).load_text(starter)
        self.notify(
            visible(f"Back to the starter. Your file is kept as {kept.name}.")
            if kept
            else "Back to the starter.",
            markup=False,
        )

    def action_show_solution(self) -> None:
        """The model solution, once the exercise has been passed (no spoilers before)."""
        widget = self.query_one("#exercise-solution", Static)
        if widget.display and widget.content:
            widget.update("")
            return
        try:
            code = use_cases.model_solution(self.app.collection, self.exercise)
        except use_cases.NotPassedYet:
            self.notify("The model solution shows once you have passed the exercise.")
            return
        except use_cases.NoModelSolution:
            self.notify("This exercise has no model solution.")
            return
        widget.update(
            Group(
                Text("Model solution (ctrl+o hides it; F2 or alt+↑/↓ scrolls)", style="bold"),
                code_block(code),
            )
        )
        widget.scroll_visible()

    # -- moving around -----------------------------------------------------------------------------

    def action_switch_pane(self) -> None:
        """Focus the prompt pane (arrows, Page Up/Down, Home/End scroll it) or go back to the editor."""
        info = self.query_one("#exercise-info", VerticalScroll)
        if self.focused is info:
            self.query_one("#exercise-editor", TextArea).focus()
        else:
            info.focus()

    def action_scroll_prompt(self, lines: int) -> None:
        """Scroll the prompt/solution pane without leaving the editor."""
        info = self.query_one("#exercise-info", VerticalScroll)
        info.scroll_to(y=info.scroll_y + lines, animate=False)

    # -- hints -------------------------------------------------------------------------------------

    def action_next_hint(self) -> None:
        if self.hints_shown < len(self.exercise.spec.hints):
            self.hints_shown += 1
            try:
                use_cases.remember_hints(self.app.collection, self.exercise, self.hints_shown)
            except OSError:
                pass  # a full or read-only disk: the hint still shows, only the count is not kept
            self._show_hints()
        else:
            self.notify("No more hints for this exercise.")

    def _show_hints(self) -> None:
        hints = self.exercise.spec.hints
        widget = self.query_one("#exercise-hints", Static)
        shown = Text()
        for number, hint in enumerate(hints[: self.hints_shown], 1):
            # `code`, **bold** and formulas as on the cards; control characters made visible
            shown.append_text(Text.assemble(f"Hint {number}: ", inline(hint), "\n"))
        left = len(hints) - self.hints_shown
        if left:
            shown.append(f"({left} hint{'s' if left > 1 else ''} left: ctrl+t)")
        shown.rstrip()
        widget.update(shown)

    # -- checking ----------------------------------------------------------------------------------

    def action_run_check(self) -> None:
        if self.running or self.query_one(LockWait).waiting:
            self.notify("A check is already running; Escape cancels it.")
            return
        code = self.query_one("#exercise-editor", TextArea).text
        self._save(code)
        self.running = True
        self.query_one("#exercise-results", DataTable).loading = True
        self._set_status("Checking… (Escape cancels)")
        self._check(code)

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def _check(self, code: str) -> None:
        """Runs in a thread; its result (or quizapp's failure) goes back as a message carrying the
        code that ran (`post_message` is thread-safe)."""
        try:
            verdict = use_cases.check_exercise(
                self.app.checker, self.exercise, code, str(self._file()), self.app.device
            )
        except Exception as error:  # quizapp's own fault: said on the status line, the screen carries on
            self.post_message(self.CheckFailed(code, str(error)))
        else:
            self.post_message(self.CheckFinished(code, verdict))

    @on(CheckFailed)
    def _check_failed(self, event: CheckFailed) -> None:
        self.running = False
        self.query_one("#exercise-results", DataTable).loading = False
        self._set_status(f"The check could not run: {event.error}")

    @on(CheckFinished)
    def _check_finished(self, event: CheckFinished) -> None:
        self.running = False
        self.query_one("#exercise-results", DataTable).loading = False
        verdict = event.verdict
        self.show_verdict(verdict)
        now = self.app.clock()
        # Through LockWait: another program holding the database's lock neither freezes the screen
        # nor crashes it, and a full disk is a notice (the code stays in the editor and its file).
        self.query_one(LockWait).write(
            self.app.collection.db,
            lambda: use_cases.record_attempt(
                self.app.collection, self.exercise, event.code, verdict, now, "tui"
            ),
            done=lambda recorded: self._recorded(recorded, verdict),
            failed=lambda error: self._not_recorded(describe(error)),
            stopped=lambda: self._not_recorded("You stopped waiting for the database."),
        )

    def _not_recorded(self, why: str) -> None:
        self.notify(
            visible(f"This check was not recorded: {why} Your code is kept; ctrl+r checks it again."),
            title="Not recorded",
            severity="error",
            timeout=15,
            markup=False,
        )

    def _recorded(self, recorded: use_cases.RecordedAttempt, verdict: Verdict) -> None:
        if recorded.rating is not None and verdict.passed:
            self.notify("Passed: it will come back later, to be redone from scratch.")
        if recorded.stored:
            self._show_title()

    def show_verdict(self, verdict: Verdict) -> None:
        """Fill the results panel and put the cursor on the first failing case (if any), so its
        message is what the detail pane shows."""
        self.verdict = verdict
        self.query_one("#exercise-results-pane").display = True
        table = self.query_one("#exercise-results", DataTable)
        table.clear()
        for case in verdict.cases:
            if not case.ran:
                mark = Text("·", style="dim")
            else:
                mark = Text("✓", style="green") if case.passed else Text("✗", style="red")
            table.add_row(
                mark,
                safe_text(case.name),
                safe_text(first_line(visible(case.message))),
                safe_text(format_params(case.params)),
                key=case.name,
            )
        failing = next((row for row, case in enumerate(verdict.cases) if not case.passed and case.ran), 0)
        if table.row_count:
            table.move_cursor(row=failing, animate=False)
        self._show_detail(failing)
        self._set_status(f"{verdict.summary} · {verdict.duration_s:.2f} s on {verdict.device}")

    @on(DataTable.RowHighlighted, "#exercise-results")
    def _case_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        """The highlighted case in full: its name and parameters, then its whole message; then the
        check's own error, what the code printed, and the sandbox's layers last."""
        verdict = self.verdict
        widget = self.query_one("#exercise-detail", Static)
        if verdict is None:
            widget.update("")
            return
        parts: list[str] = []
        case = verdict.cases[row] if 0 <= row < len(verdict.cases) else None
        if case is not None and case.ran and case.message != verdict.error:
            mark = "✓" if case.passed else "✗"
            parts.append(f"{mark} {case.name}  {format_params(case.params)}\n{case.message}")
        if verdict.error:
            parts.append(
                verdict.error
                if not verdict.nothing_ran
                else f"{verdict.error}\n\nNone of the {len(verdict.cases)} cases ran: fix this first."
            )
        if verdict.output.strip():
            # visible() first: splitlines() would break at a \r, a form feed or U+2028 and hide them
            parts.append(
                "Your code printed:\n" + "\n".join(visible(verdict.output).rstrip().splitlines()[-10:])
            )
        if verdict.isolation:
            parts.append("Sandbox: " + "; ".join(verdict.isolation))
        widget.update(safe_text("\n\n".join(parts)))
        self.query_one("#exercise-detail-pane", VerticalScroll).scroll_home(animate=False)

    def action_cancel_or_back(self) -> None:
        if self.query_one(LockWait).stop():
            return
        if self.running:
            self.app.checker.cancel()
            self._set_status("Cancelling…")
            return
        if not self.action_save() and not self._leave_unsaved:
            # The first Escape stays: the editor holds the only full copy the learner can still edit.
            self._leave_unsaved = True
            self._set_status("Not saved (see the notice). Escape again leaves; the copy stays where it says.")
            return
        self.app.leave_screen()

    def _set_status(self, message: str) -> None:
        self.query_one("#exercise-status", Static).update(safe_text(message))

    def _file(self) -> Path:
        """The learner's workspace file (set on mount, before any key reaches the screen)."""
        assert self.path is not None
        return self.path
