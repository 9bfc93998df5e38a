"""LaTeX formulas (`$…$`, `$$…$$`) shown as readable Unicode in a terminal, via pylatexenc.

pylatexenc's defaults lose meaning (`\\frac{x-\\mu}{\\sigma}` → `x-μ/σ`, `\\|w\\|` vanishes), so
a few macros get their own rendering and sub/superscripts become Unicode where the glyphs exist.
"""

from __future__ import annotations

import re
from functools import lru_cache

_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)(.+?)(?<![\s\\])\$", re.S)

_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))
_SUP = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχᵀ",
                "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡᵀ"))
_SCRIPT = re.compile(r"([_^])(?:\{([^{}]*)\}|(\\?[^\s{}\\]))")
_SIMPLE = re.compile(r"^[\w.]+$")


def _group(text: str) -> str:
    text = text.strip()
    return text if _SIMPLE.match(text) or len(text) <= 1 else f"({text})"


@lru_cache(maxsize=1)
def _converter():  # noqa: ANN202
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
    from pylatexenc.macrospec import MacroSpec
    from pylatexenc.latexwalker import get_default_latex_context_db as walker_db

    def frac(node, l2tobj):  # noqa: ANN001, ANN202
        num, den = (l2tobj.nodelist_to_text([arg]) for arg in node.nodeargd.argnlist[-2:])
        return f"{_group(num)}/{_group(den)}"

    def sqrt(node, l2tobj):  # noqa: ANN001, ANN202
        return "√" + _group(l2tobj.nodelist_to_text([node.nodeargd.argnlist[-1]]))

    text_db = get_default_latex_context_db().filter_context(keep_categories=None)
    specs = [
        MacroTextSpec("frac", simplify_repl=frac), MacroTextSpec("dfrac", simplify_repl=frac),
        MacroTextSpec("tfrac", simplify_repl=frac), MacroTextSpec("sqrt", simplify_repl=sqrt),
        MacroTextSpec("|", "‖"), MacroTextSpec("lVert", "‖"), MacroTextSpec("rVert", "‖"),
        MacroTextSpec("lvert", "|"), MacroTextSpec("rvert", "|"), MacroTextSpec("mid", " | "),
        MacroTextSpec("min", "min "), MacroTextSpec("max", "max "), MacroTextSpec("arg", "arg "),
        MacroTextSpec("argmax", "argmax "), MacroTextSpec("argmin", "argmin "),
        MacroTextSpec("log", "log "), MacroTextSpec("exp", "exp "), MacroTextSpec("tanh", "tanh "),
        MacroTextSpec("sigma", "σ"), MacroTextSpec("odot", "⊙"), MacroTextSpec("otimes", "⊗"),
        MacroTextSpec("top", "ᵀ"), MacroTextSpec("cdot", "·"), MacroTextSpec("times", "×"),
        MacroTextSpec("lfloor", "⌊"), MacroTextSpec("rfloor", "⌋"), MacroTextSpec("lceil", "⌈"),
        MacroTextSpec("rceil", "⌉"), MacroTextSpec("hat", simplify_repl=lambda n, l2tobj: l2tobj.nodelist_to_text(
            [n.nodeargd.argnlist[-1]]) + "\u0302"),
        MacroTextSpec("bar", simplify_repl=lambda n, l2tobj: l2tobj.nodelist_to_text([n.nodeargd.argnlist[-1]]) + "\u0304"),
        MacroTextSpec("mathbb", simplify_repl=lambda n, l2tobj: _double_struck(l2tobj.nodelist_to_text([n.nodeargd.argnlist[-1]]))),
        MacroTextSpec("operatorname", simplify_repl=lambda n, l2tobj: l2tobj.nodelist_to_text([n.nodeargd.argnlist[-1]])),
        MacroTextSpec("left", ""), MacroTextSpec("right", ""), MacroTextSpec("quad", "  "),
        MacroTextSpec(",", " "), MacroTextSpec(";", " "), MacroTextSpec("!", ""),
    ]
    text_db.add_context_category("quizapp", prepend=True, macros=specs)
    walker = walker_db()
    walker.add_context_category(
        "quizapp", prepend=True,
        macros=[MacroSpec("argmax", ""), MacroSpec("argmin", ""), MacroSpec("operatorname", "{"),
                MacroSpec("mathbb", "{"), MacroSpec("hat", "{"), MacroSpec("bar", "{")],
    )
    return LatexNodes2Text(latex_context=text_db, math_mode="text", keep_braced_groups=True, strict_latex_spaces=False), walker


def _double_struck(text: str) -> str:
    return "".join({"R": "ℝ", "N": "ℕ", "Z": "ℤ", "E": "𝔼", "Q": "ℚ", "C": "ℂ"}.get(c, c) for c in text)


def _scripts(text: str) -> str:
    def replace(match: re.Match) -> str:
        table = _SUB if match.group(1) == "_" else _SUP
        body = match.group(2) if match.group(2) is not None else match.group(3)
        if body and all(c in table for c in body):
            return "".join(table[c] for c in body)
        return f"{match.group(1)}{_group(body)}" if len(body) > 1 else f"{match.group(1)}{body}"

    previous = None
    while previous != text:
        previous, text = text, _SCRIPT.sub(replace, text)
    return text


@lru_cache(maxsize=4096)
def formula_to_unicode(formula: str) -> str:
    """One formula (without the dollars) as Unicode text; the source itself if it cannot be read."""
    from pylatexenc.latexwalker import LatexWalker

    converter, walker_db = _converter()
    try:
        nodes = LatexWalker(formula, latex_context=walker_db, tolerant_parsing=True).get_latex_nodes()[0]
        text = converter.nodelist_to_text(nodes)
    except Exception:  # pylatexenc raises many types on malformed input; show the source instead
        return formula
    text = _scripts(text)
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def has_math(text: str) -> bool:
    return "$" in text and _MATH.search(text) is not None


def math_spans(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, unicode, display) for every `$…$` / `$$…$$` in `text`."""
    spans = []
    for match in _MATH.finditer(text):
        display = match.group(1) is not None
        spans.append((match.start(), match.end(), formula_to_unicode(match.group(1) or match.group(2)), display))
    return spans


def to_unicode(text: str) -> str:
    """`text` with every formula replaced by its Unicode rendering."""
    if not has_math(text):
        return text
    out, position = [], 0
    for start, end, rendered, _display in math_spans(text):
        out.append(text[position:start])
        out.append(rendered)
        position = end
    out.append(text[position:])
    return "".join(out)
