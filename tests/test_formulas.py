"""Formulas and Markdown as the learner reads them: readable, never half-converted, and checked by validate."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rich.console import Group
from rich.text import Text

from quizapp import locations
from quizapp.core.kinds import kind_of
from quizapp.core.latex import formula_problems, formula_to_unicode, text_math_problems, to_unicode
from quizapp.core.loader import find_deck_files, load_deck_file
from quizapp.tui.render import inline, rich_text

CONTENT = locations.builtin_content_dir()


@pytest.mark.parametrize(
    ("latex", "unicode"),
    [
        (r"k \times k", "k × k"),
        (r"\max(0, x)", "max(0, x)"),
        (r"1 - \tanh^2(x)", "1 - tanh²(x)"),
        (r"\lfloor \frac{H - K + 2P}{S} \rfloor + 1", "⌊(H - K + 2P)/S⌋ + 1"),
        (r"Q^*(s, a)", "Q*(s, a)"),
        (r"C_{in} C_{out}", "Cᵢₙ Cₒᵤₜ"),
        (r"\hat z^{l+1}", "ẑˡ⁺¹"),
        (r"\frac{1}{n}\sum_i (\hat y_i - y_i)^2", "(1/n) ∑ᵢ (ŷᵢ - yᵢ)²"),
        (r"\mathrm{softmax}\left(\frac{QK^T}{\sqrt{d_k}}\right) V", "softmax(QKᵀ/√dₖ) V"),
        (r"\lambda x + \eta \nabla l", "λx + η∇l"),  # the space that ends a control word is not a gap
        (r"\gamma \in [0, 1]", "γ ∈ [0, 1]"),
        (r"\lVert a - p \rVert_2", "‖a - p‖₂"),
    ],
)
def test_formulas_read_as_written(latex: str, unicode: str):
    assert formula_to_unicode(latex) == unicode


@pytest.mark.parametrize(
    ("latex", "unicode"),
    [
        (r"x_{src}", "x_{src}"),  # not xₛrc: no subscript c exists, so the whole script is written out
        (r"output_{padding}", "output_{padding}"),
        (r"\sum_{c, u, v} w", "∑_{c,u,v} w"),
        (r"L_{cls} + L_{box} + L_{mask}", "L_{cls} + L_{box} + L_{mask}"),  # not L_{cls} … Lₘₐₛₖ
        (r"(1 - l_y)(1 - l_x)", "(1 - l_y)(1 - l_x)"),  # not l_y … lₓ
        (r"\sigma_B^2", "σ_B²"),  # subscripts and superscripts are judged apart
    ],
)
def test_a_script_without_a_unicode_form_is_written_out_and_so_are_its_siblings(latex: str, unicode: str):
    assert formula_to_unicode(latex) == unicode


def test_a_formula_is_never_half_converted():
    for latex in (r"x_{src}", r"output_{padding}", r"L_{mask}", r"W_{in}^{top}", r"e^{z_i / T}"):
        rendered = formula_to_unicode(latex)
        assert "\\" not in rendered
        for script in re.findall(r"[_^]\{([^}]*)\}", rendered):
            assert not any(ch in "ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ" for ch in script.replace("ᵢ", "")), rendered


def test_broken_formulas_are_named():
    assert formula_problems(r"\foo(x)") == [r"unknown LaTeX macro \foo"]
    assert formula_problems("x^") == ["'^' has nothing after it to raise or lower"]
    assert any("does not parse" in p for p in formula_problems(r"\frac{a}"))
    assert formula_problems(r"\frac{a}{b} + \alpha_t") == []


def test_a_space_inside_the_dollars_breaks_the_pairing_and_is_reported():
    text = r"$\tanh(x) = $ [$\frac{e^x - e^{-x}}{e^x + e^{-x}}$]"
    assert "\\frac" in to_unicode(text)  # what the learner would have seen
    assert any("runs past a '$'" in problem for problem in text_math_problems(text))
    assert text_math_problems(r"$\tanh(x) =$ [$\frac{e^x - e^{-x}}{e^x + e^{-x}}$]") == []


def test_prices_and_escaped_dollars_are_text():
    assert text_math_problems("costs $5 and $10") == []
    assert to_unicode(r"a \$ sign and $x_1$") == "a $ sign and x₁"


def test_markdown_italic_bold_and_code_are_styled_not_shown():
    text = inline("the weight of the *new* batch, **not** the `old` one, and $Q^*(s, a)$ is no italic")
    assert text.plain == "the weight of the new batch, not the old one, and Q*(s, a) is no italic"
    assert {text.plain[span.start : span.end] for span in text.spans if "italic" in str(span.style)} >= {
        "new"
    }
    assert inline("2 * x * y and a*b*c").plain == "2 * x * y and a*b*c"


def _prose(renderable) -> str:
    """What a card shows outside code: every paragraph's text with its code spans blanked out."""
    if isinstance(renderable, Group):
        return "\n".join(_prose(part) for part in renderable.renderables)
    if not isinstance(renderable, Text):
        return ""  # a fenced code block
    chars = list(renderable.plain)
    for span in renderable.spans:
        if "on #272822" in str(span.style):
            chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars)


_LEFTOVER_MARKUP = re.compile(r"`|\*\*|(?<![\w*])\*\w[^*]*\*|(?<!\\)\$(?!\d)|\\[a-zA-Z]+")


def _deck_texts():
    for path in find_deck_files([CONTENT]):
        for card in load_deck_file(path).cards:
            kind = kind_of(card.kind)
            for field in kind.rendered_fields:
                value = card.data.get(field)
                values = value if isinstance(value, list) else [value]
                for value in values:
                    if value:
                        for text in kind.rendered_texts(field, value):
                            yield f"{card.id}.{field}", text


def _exercise_texts():
    for path in sorted((CONTENT / "exercises").glob("*.yaml")):
        exercise = yaml.safe_load(path.read_text(encoding="utf-8"))["exercise"]
        yield f"{path.name}.prompt", exercise["prompt"]
        for number, hint in enumerate(exercise.get("hints", []), 1):
            yield f"{path.name}.hint{number}", hint


def test_every_formula_in_the_builtin_content_renders_cleanly():
    problems = [
        f"{where}: {problem}"
        for where, text in [*_deck_texts(), *_exercise_texts()]
        for problem in text_math_problems(text)
    ]
    assert problems == []


def test_every_card_field_and_hint_shows_no_raw_markdown_or_latex():
    leftovers = []
    for where, text in _deck_texts():
        leftovers += [f"{where}: {m!r}" for m in _LEFTOVER_MARKUP.findall(_prose(rich_text(text)))]
    for where, text in _exercise_texts():
        if ".hint" in where:
            leftovers += [f"{where}: {m!r}" for m in _LEFTOVER_MARKUP.findall(_prose(inline(text)))]
    assert leftovers == []


def test_validate_fails_on_a_formula_that_does_not_render(tmp_path: Path):
    deck = tmp_path / "bad.yaml"
    deck.write_text(
        "quizapp: 1\ndeck: {id: bad-math, title: Bad math}\ncards:\n"
        "  - id: tanh\n    kind: cloze\n    text: '$\\tanh(x) = $ {{c1::$\\frac{1}{2}$}}'\n"
        "  - id: macro\n    kind: basic\n    front: 'What is $\\foo(x)$?'\n    back: 'It costs $5.'\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "quizapp", "validate", str(deck)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{deck}:6:") and "runs past a '$'" in line for line in lines)
    assert f"{deck}:9:12: formula $\\foo(x)$: unknown LaTeX macro \\foo" in lines
    assert not any(":10:" in line for line in lines)  # a price is not a formula


def test_the_study_path_does_not_render_formulas_to_load_a_deck(tmp_path: Path):
    deck = tmp_path / "deck.yaml"
    deck.write_text(
        "quizapp: 1\ndeck: {id: dd, title: D}\ncards:\n"
        "  - id: cc\n    kind: basic\n    front: '$\\foo$'\n    back: b\n",
        encoding="utf-8",
    )
    assert load_deck_file(deck).ok  # the learner still studies it; validate names the formula
    assert not load_deck_file(deck, check_formulas=True).ok


def test_validate_names_a_broken_formula_in_an_exercise_prompt_or_hint(tmp_path: Path):
    from quizapp_cli import run

    folder = tmp_path / "mine" / "exercises"
    folder.mkdir(parents=True)
    (folder / "loss.yaml").write_text(
        "quizapp: 1\n"
        "exercise:\n"
        "  id: my-loss\n"
        "  title: A loss\n"
        "  check: smooth_l1\n"
        "  prompt: 'The loss is $\\frac{1}{2}$ of $\\foo(x)$.'\n"
        '  starter: "def smooth_l1(pred, target, sigma): ..."\n'
        "  hints:\n"
        "    - 'Square it: $x^$.'\n"
        "  cases:\n"
        "    - {name: first, shape: [4]}\n"
    )
    result = run(tmp_path / "home", "validate", str(tmp_path / "mine"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(
        ":6:" in line and "exercise.prompt" in line and r"unknown LaTeX macro \foo" in line for line in lines
    )
    assert any(
        ":9:" in line and "exercise.hints.0" in line and "'^' has nothing after it" in line for line in lines
    )
    assert len(lines) == 2  # the well-formed \frac is not reported
