"""The checker's cases without torch in this process: read from the reference cache, and built by
a helper process when the cache lacks them.

The helper (`python -m quizapp.exercises.reference_builder`) imports torch once, stays up for the
session, and for each request builds one exercise's cases on one device and writes them to the
cache (`reference_cache.store`); this side then reads them back (`reference_cache.load`, which
checks every file's hash). The cache lives where the sandboxed check cannot read it (see
`reference_cache.cache_dir`); without one, a private temporary folder of this checker's stands in,
made 0700 and removed on close. Expected outputs thus never pass through the sandbox host.

Requests and answers are one JSON line each, on the helper's stdin and stdout:
`{"exercise": PATH, "id": ID, "device": DEVICE, "cache": DIR}` → `{"ok": true}` or `{"error": TEXT}`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from quizapp.exercises import reference_cache
from quizapp.exercises.cases import CaseData, ReferenceFailure
from quizapp.exercises.catalog import LoadedExercise
from quizapp.exercises.device import BUILDER_MODULE


class HelperReferences:
    """A `CaseSource`: the reference cache, filled by a helper process on a miss."""

    def __init__(self, cache_dir: Path | None) -> None:
        self._private = (
            None if cache_dir is not None else Path(tempfile.mkdtemp(prefix="quizapp-references-"))
        )
        self.cache_dir: Path = cache_dir if cache_dir is not None else self._private  # type: ignore[assignment]  # one of them is set
        self._helper: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def cases(self, exercise: LoadedExercise, device: str) -> list[CaseData]:
        cached = reference_cache.load(self.cache_dir, exercise, device)
        if cached is not None:
            return cached
        answer = self._ask({"exercise": str(exercise.path), "id": exercise.id, "device": device})
        if "error" in answer:
            raise ReferenceFailure(str(answer["error"]))
        cached = reference_cache.load(self.cache_dir, exercise, device)
        if cached is None:
            raise RuntimeError(
                f"the reference helper built {exercise.id}'s cases but {self.cache_dir} holds no sound "
                "entry for them (a full disk or a read-only folder?)"
            )
        return cached

    def _ask(self, request: dict) -> dict:
        with self._lock:
            if self._helper is None or self._helper.poll() is not None:
                self._helper = subprocess.Popen(
                    [sys.executable, "-m", BUILDER_MODULE],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            helper = self._helper
            assert helper.stdin is not None and helper.stdout is not None  # both are pipes
            try:
                helper.stdin.write(json.dumps({**request, "cache": str(self.cache_dir)}) + "\n")
                helper.stdin.flush()
                line = helper.stdout.readline()
            except OSError:
                line = ""
            if not line:
                self._stop()
                error = helper.stderr.read()[-2000:] if helper.stderr else ""
                raise RuntimeError(f"the reference helper stopped (a quizapp bug): {error.strip()}")
            answer = json.loads(line)
            return answer if isinstance(answer, dict) else {"error": "the reference helper sent nonsense"}

    def _stop(self) -> None:
        helper, self._helper = self._helper, None
        if helper is None:
            return
        if helper.stdin is not None:
            try:
                helper.stdin.close()
            except OSError:
                pass
        try:
            helper.wait(timeout=5)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
        for stream in (helper.stdout, helper.stderr):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        with self._lock:
            self._stop()
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
