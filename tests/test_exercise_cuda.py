"""The CUDA path: references on the GPU agree with the CPU's, and solutions pass there too.

Skipped cleanly where torch sees no CUDA device (CI never has one).
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@pytest.mark.parametrize("exercise_id", ["maxpool2d", "avgpool2d", "conv2d", "batchnorm", "smooth-l1"])
def test_correct_solutions_pass_against_cuda_references(exercise_id, builtin_exercises, checker):
    exercise = builtin_exercises.get(exercise_id)
    code = builtin_exercises.get(exercise_id).solution_path.read_text()
    verdict = checker.check(exercise, code, "correct.py", device="cuda")
    assert verdict.device == "cuda"
    assert verdict.passed, [(c.name, c.message) for c in verdict.cases if not c.passed]


def test_cuda_and_cpu_references_agree(builtin_exercises):
    from quizapp.exercises.compare import tolerance_for
    from quizapp.exercises.references import build_case

    exercise = builtin_exercises.get("conv2d")
    for params in exercise.case_params():
        on_cpu = build_case(exercise.spec.check, params, exercise.id, "cpu")
        on_gpu = build_case(exercise.spec.check, params, exercise.id, "cuda")
        for name, expected in on_cpu.expected.items():
            rtol, atol = tolerance_for(expected.dtype, "cuda")
            np.testing.assert_allclose(on_gpu.expected[name], expected, rtol=rtol, atol=atol)
