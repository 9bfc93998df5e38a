"""The reference cache: a first check in a fresh process reads NumPy files, not torch; a damaged
entry is rebuilt, never trusted; the key follows the exercise file, torch and the device."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from quizapp.exercises import reference_cache
from quizapp.exercises.checker import Checker

MODEL = Path(__file__).parent.parent / "content" / "exercises" / "solutions" / "maxpool2d.py"


def _check_imports(home: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "quizapp",
            "--home",
            str(home),
            "exercise",
            "maxpool2d",
            "--check",
            str(MODEL),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = {
        line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }
    return result, modules


def test_a_cold_check_with_a_warm_cache_does_not_import_torch(tmp_path: Path):
    first, modules = _check_imports(tmp_path)
    assert first.returncode == 0 and "torch" in modules  # the first check builds the cases
    assert list((tmp_path / "cache" / "references").glob("*/manifest.json"))
    second, modules = _check_imports(tmp_path)
    assert second.returncode == 0, second.stdout
    assert "All 8 cases pass." in second.stdout
    assert "torch" not in modules


def test_a_damaged_entry_is_rebuilt_not_trusted(tmp_path: Path, builtin_exercises):
    exercise = builtin_exercises.get("maxpool2d")
    folder = tmp_path / "cache"
    built = Checker(cache_dir=folder)
    try:
        expected = built.cases_for(exercise, "cpu")
    finally:
        built.close()
    entry = folder / reference_cache.entry_key(exercise, "cpu")
    case_file = entry / "case-0.npz"
    data = bytearray(case_file.read_bytes())
    data[-40] ^= 0xFF
    case_file.write_bytes(bytes(data))
    assert reference_cache.load(folder, exercise, "cpu") is None  # the hash no longer matches
    rebuilt = Checker(cache_dir=folder)
    try:
        cases = rebuilt.cases_for(exercise, "cpu")
    finally:
        rebuilt.close()
    assert np.array_equal(cases[0].expected["out"], expected[0].expected["out"])
    assert reference_cache.load(folder, exercise, "cpu") is not None  # written again, sound


def test_a_manifest_naming_a_file_outside_its_entry_is_refused(tmp_path: Path, builtin_exercises):
    exercise = builtin_exercises.get("maxpool2d")
    checker = Checker(cache_dir=tmp_path)
    try:
        checker.cases_for(exercise, "cpu")
    finally:
        checker.close()
    manifest_path = tmp_path / reference_cache.entry_key(exercise, "cpu") / reference_cache.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["cases"][0]["file"] = "../../elsewhere.npz"
    manifest_path.write_text(json.dumps(manifest))
    assert reference_cache.load(tmp_path, exercise, "cpu") is None


def test_the_key_follows_the_device_and_the_exercise_file(tmp_path: Path, builtin_exercises):
    exercise = builtin_exercises.get("maxpool2d")
    assert reference_cache.entry_key(exercise, "cpu") != reference_cache.entry_key(exercise, "cuda")
    copy = tmp_path / "maxpool2d.yaml"
    copy.write_text(exercise.path.read_text() + "\n# edited\n")
    from dataclasses import replace

    assert reference_cache.entry_key(replace(exercise, path=copy), "cpu") != reference_cache.entry_key(
        exercise, "cpu"
    )


def test_no_cache_where_the_sandbox_could_read_it():
    assert reference_cache.cache_dir(Path(sys.prefix)) is None
