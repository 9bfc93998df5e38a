"""Answer normalising, cloze parsing and LaTeX rendering: the text rules a learner sees."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from quizapp.core import answers, cloze
from quizapp.core.latex import formula_to_unicode, to_unicode
from quizapp.tui.render import rich_text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("df.loc[ df['a'] > 0 ];", 'df.loc[df["a"] > 0]'),
        ("  df.fillna(0)  ", "df.fillna(0)"),
        ("df.loc[df.country.isin([‘Italy’, “France”])]", "df.loc[df.country.isin(['Italy', 'France'])]"),
        ("x.permute(0,2,3,1)", "x.permute(0, 2, 3, 1)"),
    ],
)
def test_equivalent_spellings_match(typed: str, expected: str):
    assert answers.matches(typed, [expected])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("importtorch", "import torch"), ("df.A", "df.a"), ("", ""), ("df.fillna(1)", "df.fillna(0)")],
)
def test_different_answers_do_not_match(typed: str, expected: str):
    assert not answers.matches(typed, [expected])


def test_case_insensitive_cards_ignore_case():
    assert answers.matches("Rectified Linear Unit", ["rectified linear unit"], case_sensitive=False)


@given(st.text(min_size=1).filter(lambda s: s.strip(" ;\t\n")))
def test_normalising_is_idempotent_and_an_answer_matches_itself(text: str):
    once = answers.normalise(text)
    assert answers.normalise(once) == once
    if once:
        assert answers.matches(text, [text])


def test_cloze_keeps_latex_braces_inside_a_deletion():
    text = "{{c1::$x_{i_{j}}$}} and {{c2::权重衰减::中文别名}}"
    deletions = cloze.parse(text)
    assert [(d.number, d.answer, d.hint) for d in deletions] == [
        (1, "$x_{i_{j}}$", None),
        (2, "权重衰减", "中文别名"),
    ]
    assert cloze.render(text, 2, revealed=False) == "$x_{i_{j}}$ and [中文别名]"
    assert cloze.render(text, 1, revealed=True) == "[$x_{i_{j}}$] and 权重衰减"


def test_unterminated_cloze_is_an_error():
    with pytest.raises(cloze.ClozeError):
        cloze.parse("a {{c1::b")


@pytest.mark.parametrize(
    ("latex", "unicode"),
    [
        (r"\frac{x-\mu}{\sigma}", "(x-μ)/σ"),
        (r"\min l(w,b) + \frac{\lambda}{2}\|w\|^2", "min l(w,b) + (λ/2)‖w‖²"),  # (λ/2), not λ/(2‖w‖²)
        (r"h_t = \tanh(W_{xh}x_t + W_{hh}h_{t-1} + b_h)", "hₜ = tanh(Wₓₕxₜ + Wₕₕhₜ₋₁ + bₕ)"),
        (r"o = s(i-1)+k", "o = s(i-1)+k"),
        (r"x_q", "x_q"),  # no subscript q exists: keep it readable rather than wrong
    ],
)
def test_formulas_become_readable_unicode(latex: str, unicode: str):
    assert formula_to_unicode(latex) == unicode


def test_dollar_amounts_are_not_math_and_inline_math_in_chinese_is():
    assert to_unicode(r"标准化 $\frac{x-\mu}{\sigma}$，其中 $\mu$ 是均值; costs $5 and $10") == (
        "标准化 (x-μ)/σ，其中 μ 是均值; costs $5 and $10"
    )


def test_mixed_chinese_english_lines_wrap_within_the_width():
    console = Console(width=30, record=True, color_system=None)
    console.print(
        rich_text(
            "批量归一化 BatchNorm 在训练时用 mini-batch 的均值 $\\mu_B$ 和方差，推理时用 running statistics。"
        )
    )
    lines = console.export_text().splitlines()
    from rich.cells import cell_len

    assert len(lines) > 2
    assert all(cell_len(line) <= 30 for line in lines)
    assert "μ_B" in "".join(lines) or "μ" in "".join(lines)
