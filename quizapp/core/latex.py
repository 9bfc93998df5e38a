"""LaTeX formulas (`$…$`, `$$…$$`) shown as readable Unicode in a terminal, via pylatexenc.

pylatexenc parses the formula; the walk over its nodes is ours, because its own text conversion
loses meaning (`\\frac{x-\\mu}{\\sigma}` → `x-μ/σ`, `\\|w\\|` vanishes) and knows nothing of sub-
and superscripts. A script becomes Unicode only when every one of its characters has a Unicode
sub/superscript form; otherwise it is written out whole (`x_c`, `x_{src}`), never half-converted,
and then every subscript (or superscript) of that formula is written out, so that none looks odd.
Spacing follows the source: `k \\times k` keeps its spaces, `\\max(0, x)` gets none.

`formula_problems` says why a formula does not render cleanly; `quizapp validate` reports them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Pandoc's rule: no space just inside the dollars, so "costs $5 and $10" is no formula; `\$` is a dollar.
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)(.+?)(?<![\s\\])\$", re.S)
# A dollar left over once the formulas are taken out, other than a price ($5) or an escaped one (\$).
_STRAY_DOLLAR = re.compile(r"(?<!\\)\$(?!\d)")

_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))
_SUP = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχ",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡ",
    )
)
# Already raised, or readable as they are when raised: `Q^*` → Q*, `f^\prime` → f′, `W^\top` → Wᵀ.
_SUP.update({"*": "*", "′": "′", "ᵀ": "ᵀ", "″": "″"})
_SCRIPT_CHARS = set(_SUB.values()) | set(_SUP.values())
_SCRIPT_CHARS_CLASS = "".join(sorted(_SCRIPT_CHARS - set("*")))

_OPERATORS = {
    "max",
    "min",
    "arg",
    "log",
    "ln",
    "exp",
    "tanh",
    "sinh",
    "cosh",
    "sin",
    "cos",
    "tan",
    "det",
    "lim",
    "sup",
    "inf",
    "Pr",
}
_NAMED_OPERATORS = {"argmax": "argmax", "argmin": "argmin"}
_TEXT_ARGUMENT = {
    "mathrm",
    "text",
    "textrm",
    "textit",
    "textbf",
    "texttt",
    "operatorname",
    "mathbf",
    "mathit",
    "mathsf",
    "mathtt",
    "boldsymbol",
    "bm",
    "mathcal",
    "emph",
}
_ACCENTS = {
    "hat": "\u0302",
    "widehat": "\u0302",
    "bar": "\u0304",
    "overline": "\u0305",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "vec": "\u20d7",
    "dot": "\u0307",
    "ddot": "\u0308",
}
_DOUBLE_STRUCK = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "E": "𝔼", "Q": "ℚ", "C": "ℂ", "1": "𝟙"}
_SYMBOLS = {
    "|": "‖",
    "lVert": "‖",
    "rVert": "‖",
    "Vert": "‖",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "mid": "|",
    "sigma": "σ",
    "epsilon": "ε",
    "phi": "φ",
    "odot": "⊙",
    "otimes": "⊗",
    "oplus": "⊕",
    "top": "ᵀ",
    "cdot": "·",
    "times": "×",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "lceil": "⌈",
    "rceil": "⌉",
    "langle": "⟨",
    "rangle": "⟩",
    "prime": "′",
    "{": "{",
    "}": "}",
    "%": "%",
    "$": "$",
    "#": "#",
    "&": "&",
    "_": "_",
    "dots": "…",
    "ldots": "…",
    "cdots": "⋯",
    "quad": "  ",
    "qquad": "    ",
    ",": " ",
    ";": " ",
    ":": " ",
    " ": " ",
    "!": "",
    "\\": " ",
    "left": "",
    "right": "",
    "big": "",
    "Big": "",
    "bigg": "",
    "Bigg": "",
    "bigl": "",
    "bigr": "",
    "Bigl": "",
    "Bigr": "",
    "displaystyle": "",
    "textstyle": "",
}
# The space that ends a control word: `\\lambda x` is λx and `\\partial h` is ∂h, but `\\lambda = 1` is λ = 1.
_SOFT_SPACE = "\x00"
_LETTER_LIKE_SYMBOLS = set("∂∇∞ℓ∅")
# A fraction is marked while rendering; it gets parentheses only where a factor stands beside it: (λ/2)‖w‖².
_FRACTION = ("\x01", "\x02")
_TOUCHING_FRACTION = re.compile(
    r"(?:(?<=[\w)‖])|(?<=[\w)‖] ))\x01([^\x01\x02]*)\x02|\x01([^\x01\x02]*)\x02(?= ?[\w(‖√∑∏∫\[])"
)
_BIG_OPERATORS = "∑∏∫"
_OPENING = {
    "lfloor",
    "lceil",
    "langle",
    "lVert",
    "lvert",
    "left",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "Bigl",
}
_CLOSING = {"rfloor", "rceil", "rangle", "rVert", "rvert", "right", "bigr", "Bigr"}


@lru_cache(maxsize=1)
def _contexts():
    """The parser's macro table (which macros take arguments) and pylatexenc's symbol converter."""
    from pylatexenc.latex2text import LatexNodes2Text, get_default_latex_context_db
    from pylatexenc.latexwalker import get_default_latex_context_db as walker_db
    from pylatexenc.macrospec import MacroSpec

    walker = walker_db()
    one_argument = sorted(_TEXT_ARGUMENT | set(_ACCENTS) | {"mathbb"})
    walker.add_context_category(
        "quizapp",
        prepend=True,
        macros=[MacroSpec(name, "{") for name in one_argument]
        + [MacroSpec(name, "") for name in sorted(_NAMED_OPERATORS)]
        + [
            MacroSpec("frac", "{{"),
            MacroSpec("dfrac", "{{"),
            MacroSpec("tfrac", "{{"),
            MacroSpec("sqrt", "[{"),
        ],
    )
    symbols = get_default_latex_context_db()
    return (
        walker,
        symbols,
        LatexNodes2Text(latex_context=symbols, math_mode="text", strict_latex_spaces=False),
    )


class _Renderer:
    """One walk over a parsed formula, collecting what could not be rendered cleanly."""

    def __init__(self, *, spell_out: frozenset[str] = frozenset()) -> None:
        self.spell_out = spell_out
        """The script kinds ("_", "^") to write out everywhere in this formula."""
        self.not_unicode: set[str] = set()
        """The script kinds of which at least one had no Unicode form."""
        self.problems: list[str] = []

    def nodes(self, nodelist) -> str:
        from pylatexenc.latexwalker import LatexCharsNode, LatexMacroNode

        out: list[str] = []
        pending: str | None = None  # "_" or "^" waiting for its argument
        skip_delimiter_dot = False  # `\right.` is an invisible delimiter
        for node in nodelist or []:
            if isinstance(node, LatexCharsNode):
                for char in node.chars:
                    if skip_delimiter_dot:
                        skip_delimiter_dot = False
                        if char == ".":
                            continue
                    if pending and char.isspace():
                        continue
                    if pending:
                        out.append(self.script(pending, char))
                        pending = None
                    elif char in "_^":
                        pending = char
                    elif char == "'":
                        out.append("′")
                    else:
                        out.append(char)
                continue
            skip_delimiter_dot = False
            if pending:
                post_space = getattr(node, "macro_post_space", "") or ""
                out.append(self.script(pending, self.node(node, as_script=True)) + post_space)
                pending = None
                continue
            if isinstance(node, LatexMacroNode) and node.macroname in _CLOSING:
                while out and out[-1].isspace():
                    out.pop()
                if out:
                    out[-1] = out[-1].rstrip(" ")
            out.append(self.node(node))
            skip_delimiter_dot = isinstance(node, LatexMacroNode) and node.macroname in ("left", "right")
        if pending:
            self.problems.append(f"'{pending}' has nothing after it to raise or lower")
        return "".join(out)

    def node(self, node, *, as_script: bool = False) -> str:
        from pylatexenc.latexwalker import (
            LatexCharsNode,
            LatexCommentNode,
            LatexEnvironmentNode,
            LatexGroupNode,
            LatexMacroNode,
            LatexMathNode,
            LatexSpecialsNode,
        )

        if isinstance(node, LatexCharsNode):
            return self.nodes([node])
        if isinstance(node, LatexGroupNode):
            return self.nodes(node.nodelist)
        if isinstance(node, LatexMacroNode):
            text = self.macro(node)
            takes_arguments = bool(node.nodeargd and any(node.nodeargd.argnlist or []))
            if as_script or takes_arguments or node.macroname in _OPENING or not node.macro_post_space:
                return text
            return text + (_SOFT_SPACE if _is_letter_like(text) else node.macro_post_space)
        if isinstance(node, LatexSpecialsNode):
            return " " if node.specials_chars == "~" else node.specials_chars
        if isinstance(node, LatexMathNode):
            return self.nodes(node.nodelist)
        if isinstance(node, LatexCommentNode):
            self.problems.append("'%' starts a LaTeX comment that hides the rest of the line; write \\%")
            return "%" + node.comment
        if isinstance(node, LatexEnvironmentNode):
            self.problems.append(f"the environment {node.environmentname!r} cannot be shown in a terminal")
            return self.nodes(node.nodelist)
        return ""

    def macro(self, node) -> str:
        name = node.macroname
        arguments = [
            argument for argument in (node.nodeargd.argnlist if node.nodeargd else []) if argument is not None
        ]
        if name in _OPERATORS:
            return name
        if name in _NAMED_OPERATORS:
            return _NAMED_OPERATORS[name]
        if name in ("frac", "dfrac", "tfrac"):
            if len(arguments) < 2:
                self.problems.append(f"\\{name} needs two arguments")
                return ""
            return f"{_FRACTION[0]}{_group(self.node(arguments[-2]))}/{_group(self.node(arguments[-1]))}{_FRACTION[1]}"
        if name == "sqrt":
            return "√" + _group(self.node(arguments[-1])) if arguments else self._missing_argument(name)
        if name in _TEXT_ARGUMENT:
            return self.node(arguments[-1]) if arguments else self._missing_argument(name)
        if name in _ACCENTS:
            return self.node(arguments[-1]) + _ACCENTS[name] if arguments else self._missing_argument(name)
        if name == "mathbb":
            if not arguments:
                return self._missing_argument(name)
            return "".join(_DOUBLE_STRUCK.get(char, char) for char in self.node(arguments[-1]))
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        _walker, symbols, converter = _contexts()
        if symbols.get_macro_spec(name) is symbols.unknown_macro_spec:
            self.problems.append(f"unknown LaTeX macro \\{name}")
            return "\\" + name
        return converter.nodelist_to_text([node]).strip()

    def _missing_argument(self, name: str) -> str:
        self.problems.append(f"\\{name} needs an argument")
        return ""

    def script(self, kind: str, body: str) -> str:
        """`body` raised (`^`) or lowered (`_`): Unicode if every character has a form, else written out."""
        table = _SUB if kind == "_" else _SUP
        body = body.strip()
        if not body:
            self.problems.append(f"'{kind}' has an empty argument")
            return ""
        if kind not in self.spell_out and all(char in table for char in body):
            return "".join(table[char] for char in body)
        self.not_unicode.add(kind)
        body = re.sub(r"\s+", "", body)
        return f"{kind}{{{body}}}" if len(body) > 1 else f"{kind}{body}"


def _is_letter_like(text: str) -> bool:
    return len(text) == 1 and (text.isalpha() or text in _LETTER_LIKE_SYMBOLS)


def _is_atom(text: str) -> bool:
    """Whether `text` reads as one unit beside a `/` or after `√` (no parentheses needed)."""
    if re.search(r"[_^]\{[^}]*[\s/+\-,][^}]*\}", text):  # a written-out script with an operator inside
        return False
    return all(
        char.isalnum() or char in _SCRIPT_CHARS or char in ".′∂∇√_^{}" or unicodedata.combining(char)
        for char in text
    )


def _is_parenthesised(text: str) -> bool:
    """`(…)` or `√(…)` whose first parenthesis closes at the very end."""
    body = text[1:] if text.startswith("√") else text
    if not (body.startswith("(") and body.endswith(")")):
        return False
    depth = 0
    for index, char in enumerate(body):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index == len(body) - 1
    return False


def _group(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 1 or _is_atom(text) or _is_parenthesised(text) else f"({text})"


def _tidy(text: str) -> str:
    letter_like = "".join(sorted(_LETTER_LIKE_SYMBOLS))
    text = re.sub(_SOFT_SPACE + r"(?=[\w(\[" + letter_like + _SCRIPT_CHARS_CLASS + "])", "", text)
    text = text.replace(_SOFT_SPACE, " ")
    previous = None
    while previous != text:
        previous = text
        text = _TOUCHING_FRACTION.sub(
            lambda m: f"({m.group(1) if m.group(1) is not None else m.group(2)})", text
        )
    text = text.replace(_FRACTION[0], "").replace(_FRACTION[1], "")
    text = re.sub(r"(?<=[^\s(\[{])([" + _BIG_OPERATORS + "])", r" \1", text)
    text = unicodedata.normalize("NFC", text)  # y + combining hat → ŷ, one cell wide in any terminal
    return re.sub(r"[ \t]{2,}", " ", text).strip()


@lru_cache(maxsize=4096)
def _render(formula: str) -> tuple[str, tuple[str, ...]]:
    from pylatexenc.latexwalker import LatexWalker, LatexWalkerError

    walker_context = _contexts()[0]
    problems: list[str] = []
    if not formula.strip():
        return "", ("empty formula",)
    try:
        nodes = LatexWalker(formula, latex_context=walker_context, tolerant_parsing=False).get_latex_nodes()[
            0
        ]
    except LatexWalkerError as error:
        problems.append(f"LaTeX does not parse: {str(error).splitlines()[0]}")
        try:
            nodes = LatexWalker(
                formula, latex_context=walker_context, tolerant_parsing=True
            ).get_latex_nodes()[0]
        except Exception:  # pylatexenc raises many types on malformed input; show the source instead
            return formula, tuple(problems)
    renderer = _Renderer()
    text = renderer.nodes(nodes)
    if renderer.not_unicode:  # one `x_c` or `x_{src}` makes every subscript of the formula written out
        renderer = _Renderer(spell_out=frozenset(renderer.not_unicode))
        text = renderer.nodes(nodes)
    problems.extend(renderer.problems)
    return _tidy(text), tuple(dict.fromkeys(problems))


def formula_to_unicode(formula: str) -> str:
    """One formula (without the dollars) as Unicode text."""
    return _render(formula)[0]


def formula_problems(formula: str) -> list[str]:
    """Why `formula` (without the dollars) does not render cleanly; empty when it does."""
    return list(_render(formula)[1])


def has_math(text: str) -> bool:
    return "$" in text and _MATH.search(text) is not None


def math_spans(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, unicode, display) for every `$…$` / `$$…$$` in `text`."""
    spans = []
    for match in _MATH.finditer(text):
        display = match.group(1) is not None
        spans.append(
            (match.start(), match.end(), formula_to_unicode(match.group(1) or match.group(2)), display)
        )
    return spans


def unescape_dollars(text: str) -> str:
    """Text outside formulas: `\\$` is how a literal dollar is written."""
    return text.replace("\\$", "$")


def text_math_problems(text: str) -> list[str]:
    """Every reason the formulas of one text field would not render cleanly, each naming its formula."""
    problems = []
    for match in _MATH.finditer(text):
        formula = match.group(1) or match.group(2)
        if _STRAY_DOLLAR.search(formula):
            problems.append(
                f"formula ${formula}$ runs past a '$': a formula may not start or end with a space"
            )
            continue
        problems.extend(f"formula ${formula}$: {problem}" for problem in formula_problems(formula))
    if _STRAY_DOLLAR.search(_MATH.sub("", text)):
        problems.append(
            "a '$' that opens or closes no formula (no space just inside the dollars; \\$ is a dollar)"
        )
    return problems


def to_unicode(text: str) -> str:
    """`text` with every formula replaced by its Unicode rendering."""
    if not has_math(text):
        return unescape_dollars(text)
    out, position = [], 0
    for start, end, rendered, _display in math_spans(text):
        out.append(unescape_dollars(text[position:start]))
        out.append(rendered)
        position = end
    out.append(unescape_dollars(text[position:]))
    return "".join(out)
