"""The learner's exercise files: created from the starter, never lost when starting over."""

from quizapp.exercises.starter import starter_file
from quizapp.exercises.workspace import ensure_solution_file, save_atomically, start_over


def test_starting_over_twice_in_a_second_keeps_both_old_files(tmp_path, builtin_exercises):
    exercise = builtin_exercises.get("maxpool2d")
    path = ensure_solution_file(tmp_path, exercise)
    assert path.read_text() == starter_file(exercise)
    save_atomically(path, "first attempt")
    first = start_over(tmp_path, exercise)
    save_atomically(path, "second attempt")
    second = start_over(tmp_path, exercise)
    assert first != second
    assert first.read_text() == "first attempt" and second.read_text() == "second attempt"
    assert path.read_text() == starter_file(exercise)
    assert start_over(tmp_path, exercise) is None  # nothing to keep: the file is the starter
