"""Each exercise's cases (inputs, calls, expected outputs) kept on disk, so a first check in a fresh
process reads NumPy files instead of importing torch (about 1.3 s) to rebuild them.

The references are deterministic: seeded NumPy inputs, and torch's outputs for a given torch
version and device. An entry is keyed by the exercise file's bytes, the reference code's source,
the torch version (read from its package metadata, without importing it) and the device, so a
change to any of them makes a new entry. Entries live in `<home>/cache/references/`, which the
sandboxed check cannot read (the cache is not used when that folder lies under one it may read).

Nothing in an entry is trusted: arrays are `.npz` files read with `allow_pickle=False`, and each
file's SHA-256 is in the manifest and checked before it is read. A missing, damaged or foreign
entry is rebuilt from the references, never used.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np

from quizapp.exercises.cases import CaseData
from quizapp.exercises.catalog import LoadedExercise

FORMAT = 1
CACHE_FOLDER = Path("cache") / "references"
MANIFEST = "manifest.json"
_REFERENCES_DIR = Path(__file__).parent / "references"


def cache_dir(home: Path) -> Path | None:
    """Where entries go for this home, or None when a sandboxed check could read that folder."""
    from quizapp.exercises.sandbox.confine import readable_roots

    folder = (home / CACHE_FOLDER).resolve()
    roots = set(readable_roots())
    own_first_entry = sys.path[0] if not sys.flags.isolated and sys.path else ""
    if own_first_entry and own_first_entry not in (sys.prefix, sys.base_prefix, sys.exec_prefix):
        # This process's own first path entry (the script's folder, or the working folder under
        # `python -m`) is not the sandbox's: the host runs with `python -I`, which leaves it out.
        roots.discard(os.path.realpath(own_first_entry))
    for root in sorted(roots):
        if folder == Path(root) or Path(root) in folder.parents:
            return None
    return folder


def entry_key(exercise: LoadedExercise, device: str) -> str:
    digest = hashlib.sha256()
    for part in (f"format {FORMAT}", f"torch {_torch_version()}", f"device {device}"):
        digest.update(part.encode() + b"\0")
    digest.update(exercise.path.read_bytes() + b"\0")
    for source in sorted(_REFERENCES_DIR.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()[:40]


def _torch_version() -> str:
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return "absent"


def load(folder: Path, exercise: LoadedExercise, device: str) -> list[CaseData] | None:
    """The cached cases, or None when there is no sound entry (then build and `store`)."""
    entry = folder / entry_key(exercise, device)
    try:
        manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
        return _cases_from(entry, manifest, exercise)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        return None  # absent, or damaged: the caller rebuilds it


def _cases_from(entry: Path, manifest: dict, exercise: LoadedExercise) -> list[CaseData] | None:
    if manifest.get("format") != FORMAT or manifest.get("exercise") != exercise.id:
        return None
    records = manifest["cases"]
    if [record["name"] for record in records] != [case.name for case in exercise.cases]:
        return None
    cases = []
    for record in records:
        raw = (entry / record["file"]).read_bytes() if _plain_name(record["file"]) else b""
        if hashlib.sha256(raw).hexdigest() != record["sha256"]:
            return None
        with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
            inputs = {name: arrays[f"in/{name}"] for name in record["inputs"]}
            expected = {name: arrays[f"out/{name}"] for name in record["expected_arrays"]}
        expected.update(dict(record["expected_frames"].items()))
        tolerance = {name: (float(rtol), float(atol)) for name, (rtol, atol) in record["tolerance"].items()}
        cases.append(
            CaseData(
                inputs,
                record["calls"],
                {name: expected[name] for name in record["expected_order"]},
                tolerance,
            )
        )
    return cases


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and name.endswith(".npz") and "/" not in name and not name.startswith(".")


def store(folder: Path, exercise: LoadedExercise, device: str, cases: list[CaseData]) -> None:
    """Write an entry for `cases`, all at once (a temporary folder renamed into place)."""
    entry = folder / entry_key(exercise, device)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".entry-", dir=folder))
    try:
        records = []
        for index, (spec, data) in enumerate(zip(exercise.cases, cases)):
            buffer = io.BytesIO()
            arrays = {f"in/{name}": array for name, array in data.inputs.items()}
            arrays.update(
                {
                    f"out/{name}": value
                    for name, value in data.expected.items()
                    if isinstance(value, np.ndarray)
                }
            )
            np.savez(buffer, **arrays)  # type: ignore[arg-type]  # the stub fears an array named "allow_pickle"
            raw = buffer.getvalue()
            name = f"case-{index}.npz"
            (staging / name).write_bytes(raw)
            records.append(
                {
                    "name": spec.name,
                    "file": name,
                    "sha256": hashlib.sha256(raw).hexdigest(),
                    "inputs": list(data.inputs),
                    "calls": data.calls,
                    "tolerance": data.tolerance,
                    "expected_order": list(data.expected),
                    "expected_arrays": [n for n, v in data.expected.items() if isinstance(v, np.ndarray)],
                    "expected_frames": {
                        n: v for n, v in data.expected.items() if not isinstance(v, np.ndarray)
                    },
                }
            )
        manifest = {"format": FORMAT, "exercise": exercise.id, "device": device, "cases": records}
        (staging / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
        os.replace(staging, entry)
    except OSError:
        pass  # a full disk or a read-only home: checks still work, only slower
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
