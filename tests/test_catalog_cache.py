"""Exercise files validated once are read back from `<home>/cache/exercises.json` without pydantic:
the same exercises, a changed file validated again, a damaged cache never trusted."""

import subprocess
import sys
from pathlib import Path
from typing import get_args

from quizapp import locations
from quizapp.exercises import catalog_cache
from quizapp.exercises.catalog import load_catalog
from quizapp.exercises.exercise_format import Topic
from quizapp.exercises.params import PARAMS
from quizapp.exercises.spec import TOPICS

BUILTIN = locations.builtin_content_dir()


def as_compared(catalog):
    return {
        exercise_id: (exercise.spec, exercise.cases, exercise.path, exercise.alias_positions)
        for exercise_id, exercise in catalog.exercises.items()
    }


def test_a_cached_catalog_is_the_validated_one(tmp_path: Path):
    cache = tmp_path / "exercises.json"
    validated = load_catalog([BUILTIN], cache=cache)
    assert cache.exists()
    cached = load_catalog([BUILTIN], cache=cache)
    assert as_compared(cached) == as_compared(validated) == as_compared(load_catalog([BUILTIN]))
    assert len(cached.exercises) >= 28


def test_every_cached_case_reads_back_as_its_references_fields(tmp_path: Path):
    cache = tmp_path / "exercises.json"
    load_catalog([BUILTIN], cache=cache)
    for exercise in load_catalog([BUILTIN], cache=cache).exercises.values():
        fields = PARAMS[exercise.spec.check]
        for case, params in zip(exercise.cases, exercise.case_params(), strict=True):
            assert isinstance(params, fields)
            assert (params.name, params.dtype, params.shown()) == (case.name, case.dtype, case.shown())


def test_a_changed_file_is_validated_again(tmp_path: Path):
    folder = tmp_path / "content" / "exercises"
    folder.mkdir(parents=True)
    source = (BUILTIN / "exercises" / "maxpool2d.yaml").read_text()
    (folder / "mine.yaml").write_text(source.replace("id: maxpool2d", "id: my-pool", 1))
    cache = tmp_path / "exercises.json"
    assert load_catalog([folder.parent], cache=cache).get("my-pool") is not None
    (folder / "mine.yaml").write_text(
        source.replace("id: maxpool2d", "id: my-pool", 1).replace("level:", "levle:")
    )
    changed = load_catalog([folder.parent], cache=cache)
    assert changed.get("my-pool") is None
    assert any("levle" in problem.message for problem in changed.problems)


def test_a_damaged_or_edited_cache_is_ignored_and_rewritten(tmp_path: Path):
    cache = tmp_path / "exercises.json"
    expected = as_compared(load_catalog([BUILTIN], cache=cache))
    good = cache.read_text()
    edited = good.replace('"title":"MaxPool2d', '"title":"Hacked MaxPool2d', 1)
    assert edited != good
    for damaged in (edited, good[: len(good) // 2], "", "\x00\xff garbage"):
        cache.write_text(damaged, encoding="utf-8", errors="surrogateescape")
        assert as_compared(load_catalog([BUILTIN], cache=cache)) == expected
        assert cache.read_text() == good  # rewritten whole


def test_a_cache_for_other_validators_is_not_used(tmp_path: Path, monkeypatch):
    cache = tmp_path / "exercises.json"
    load_catalog([BUILTIN], cache=cache)
    monkeypatch.setattr(catalog_cache, "validators_digest", lambda: "another quizapp")
    assert catalog_cache.read(cache).get((BUILTIN / "exercises" / "maxpool2d.yaml").read_bytes()) is None


def test_a_cache_that_cannot_be_written_changes_nothing(tmp_path: Path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    catalog = load_catalog([BUILTIN], cache=blocked / "exercises.json")
    assert as_compared(catalog) == as_compared(load_catalog([BUILTIN]))


def test_the_path_and_the_validator_name_the_same_topics():
    assert get_args(Topic) == TOPICS


def test_a_check_with_a_warm_cache_never_imports_pydantic_or_torch(tmp_path: Path):
    home = tmp_path / "home"
    solution = BUILTIN / "exercises" / "solutions" / "maxpool2d.py"
    command = [sys.executable, "-m", "quizapp", "--home", str(home), "exercise", "maxpool2d", "--check"]
    subprocess.run([*command, str(solution)], check=True, capture_output=True)
    probe = (
        "import runpy, sys\n"
        f"sys.argv = {['quizapp', '--home', str(home), 'exercise', 'maxpool2d', '--check', str(solution)]!r}\n"
        "try:\n    runpy.run_module('quizapp', run_name='__main__')\n"
        "except SystemExit as done:\n    assert not done.code, done.code\n"
        "print(sorted(m for m in ('pydantic', 'torch', 'yaml') if m in sys.modules))\n"
    )
    found = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert found.stdout.strip().splitlines()[-1] == "[]"
