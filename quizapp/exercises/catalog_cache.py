"""Exercise files validated before, kept as JSON so that a fresh process need not validate again.

Validating the 28 built-in exercise files means importing pydantic and building its models (about
100 ms) before a first check can start. An entry is keyed by the SHA-256 of the file's bytes; the
whole cache is tied to the source of the validators (`exercise_format`, `params`, `spec`, this
module and the catalog), so a change to a file or to quizapp's rules validates again. The first
line of the cache file is the SHA-256 of the rest: a damaged or edited cache is ignored and
rewritten, never trusted. It lives in `<home>/cache/`, like the reference cache, out of a
sandboxed check's reach.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from quizapp.exercises.spec import CaseSpec, ExerciseSpec

FORMAT = 1
CACHE_FILE = Path("cache") / "exercises.json"
_HERE = Path(__file__).parent
_VALIDATOR_SOURCES = ("catalog.py", "catalog_cache.py", "exercise_format.py", "spec.py", "params/*.py")


@dataclass(frozen=True)
class Entry:
    spec: ExerciseSpec
    cases: list[CaseSpec]
    alias_positions: dict[str, tuple[int, int]]

    def to_json(self) -> dict:
        return {
            "spec": self.spec.to_json(),
            "cases": [case.to_json() for case in self.cases],
            "alias_positions": {alias: list(at) for alias, at in self.alias_positions.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> Entry:
        return cls(
            ExerciseSpec.from_json(data["spec"]),
            [CaseSpec.from_json(case) for case in data["cases"]],
            {alias: (int(line), int(column)) for alias, (line, column) in data["alias_positions"].items()},
        )


class KnownFiles:
    """The entries read from the cache, and those this load used or added (the next cache)."""

    def __init__(self, entries: dict[str, dict]) -> None:
        self._read = entries
        self._used: dict[str, dict] = {}

    def get(self, raw: bytes) -> Entry | None:
        key = hashlib.sha256(raw).hexdigest()
        data = self._read.get(key)
        if data is None:
            return None
        try:
            entry = Entry.from_json(data)
        except (KeyError, TypeError, ValueError):
            return None  # a cache written by hand, or by a quizapp with other fields: validate again
        self._used[key] = data
        return entry

    def put(self, raw: bytes, entry: Entry) -> None:
        self._used[hashlib.sha256(raw).hexdigest()] = entry.to_json()

    def save(self, path: Path) -> None:
        """Write the entries this load used, when they differ from those read (atomically)."""
        if self._used == self._read:
            return
        body = json.dumps(
            {"format": FORMAT, "validators": validators_digest(), "files": self._used},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        text = f"{hashlib.sha256(body.encode()).hexdigest()}\n{body}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, staging = tempfile.mkstemp(prefix=".exercises-", dir=path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    file.write(text)
                os.replace(staging, path)
            finally:
                if os.path.exists(staging):
                    os.unlink(staging)
        except OSError:
            pass  # a full disk or a read-only home: the next load validates again, that is all
        self._read = dict(self._used)


def read(path: Path) -> KnownFiles:
    """The cache at `path`; empty when it is absent, damaged, or written for other validators."""
    try:
        digest, _, body = path.read_text(encoding="utf-8").partition("\n")
        if hashlib.sha256(body.encode()).hexdigest() != digest:
            return KnownFiles({})
        data = json.loads(body)
        if data.get("format") != FORMAT or data.get("validators") != validators_digest():
            return KnownFiles({})
        files = data["files"]
        return KnownFiles(files if isinstance(files, dict) else {})
    except (OSError, UnicodeDecodeError, ValueError, KeyError, AttributeError):
        return KnownFiles({})


@cache
def validators_digest() -> str:
    digest = hashlib.sha256()
    for pattern in _VALIDATOR_SOURCES:
        for source in sorted(_HERE.glob(pattern)):
            digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    # The deck format's id pattern is part of what an exercise file may say.
    digest.update((_HERE.parent / "core" / "deck_format.py").read_bytes())
    return digest.hexdigest()
