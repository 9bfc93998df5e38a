"""Card text → Rich renderables: paragraphs with Unicode math, `inline code`, **bold**, *italic*, fenced code.

Card text comes from deck files anyone may write: it is built into `Text` (never parsed as
markup) and its control characters are made visible (`core.untrusted.visible`) on the way in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text

from quizapp.core import kinds
from quizapp.core.latex import math_spans, unescape_dollars
from quizapp.core.untrusted import safe_text, visible

if TYPE_CHECKING:
    from rich.syntax import Syntax

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", re.M | re.S)
# `code`, **bold**, *italic*. A `*` right after `^`/`_` or beside a `$` belongs to a formula (`$Q^*$`).
_INLINE = re.compile(
    r"`([^`\n]+)`|\*\*(.+?)\*\*|(?<![\w*\\^_$])\*(?=[^\s*$])([^*$\n]+?)(?<=[^\s*\\^_])\*(?![\w*$])"
)
CODE_THEME = "monokai"


def code_block(code: str, lang: str = "python", *, highlight_line: int | None = None) -> Syntax:
    from rich.syntax import Syntax  # pygments: ~8 ms, paid on the first code card, not at start-up

    return Syntax(
        visible(code.rstrip("\n")),
        lang or "text",
        theme=CODE_THEME,
        line_numbers=code.count("\n") > 1 or highlight_line is not None,
        word_wrap=True,
        highlight_lines={highlight_line} if highlight_line else None,
        background_color="default",
    )


def inline(text: str, style: str = "") -> Text:
    """One paragraph: math to Unicode, `code`, **bold** and *italic* styled. Math inside code is left alone."""
    text = visible(text)
    out = Text(style=style)
    position = 0
    for match in _INLINE.finditer(text):
        out.append_text(_with_math(text[position : match.start()]))
        if match.group(1) is not None:
            out.append(match.group(1), style="bold #e6db74 on #272822")
        elif match.group(2) is not None:
            out.append_text(_with_math(match.group(2), "bold"))
        else:
            out.append_text(_with_math(match.group(3), "italic"))
        position = match.end()
    out.append_text(_with_math(text[position:]))
    return out


def _with_math(text: str, style: str = "") -> Text:
    out = Text(style=style)
    position = 0
    for start, end, rendered, display in math_spans(text):
        out.append(unescape_dollars(text[position:start]))
        out.append(("\n  " if display else "") + rendered + ("\n" if display else ""), style="italic #a6e22e")
        position = end
    out.append(unescape_dollars(text[position:]))
    return out


def rich_text(text: str | None, style: str = "") -> RenderableType:
    """A card field (Markdown-ish) as a renderable."""
    if not text:
        return Text("")
    text = visible(text)
    parts: list[RenderableType] = []
    position = 0
    for match in _FENCE.finditer(text):
        before = text[position : match.start()].strip("\n")
        if before:
            parts.append(inline(before, style))
        parts.append(code_block(match.group(2), match.group(1) or "python"))
        position = match.end()
    rest = text[position:].strip("\n")
    if rest:
        parts.append(inline(rest, style))
    return parts[0] if len(parts) == 1 else Group(*parts)


def blocks(card_blocks: Iterable[kinds.Block]) -> list[RenderableType]:
    """A card kind's blocks (its front or its back) as renderables, one or more each."""
    return [renderable for block in card_blocks for renderable in _block(block)]


def _block(block: kinds.Block) -> Iterator[RenderableType]:
    match block:
        case kinds.Prose(text, muted):
            yield rich_text(text, "dim" if muted else "")
        case kinds.Code(code, lang, highlight_line):
            yield code_block(code, lang, highlight_line=highlight_line)
        case kinds.Heading(text):
            yield Text(text, style="bold")
        case kinds.Hint(text, spaced):
            yield Text(("\n" if spaced else "") + text, style="dim")
        case kinds.Options(items, chosen, right):
            yield Text("")
            for index, option in enumerate(items):
                if index == right:
                    mark, style = "✓", "bold green"
                elif index == chosen:
                    mark, style = "✗", "bold red"
                else:
                    mark, style = " ", "bold" if right is None else "dim"
                line = Text(f"{mark}{index + 1}  ", style=style)
                line.append_text(inline(option))
                if index == chosen:
                    line.append("  ← your answer", style="dim")
                yield line
        case kinds.Labelled(label, text):
            yield Text.assemble(label, inline(text))
        case kinds.Plain(text, muted):
            yield safe_text(text, style="dim" if muted else "")
        case kinds.Printed(text):
            yield safe_text(text, style="#e6db74")
        case kinds.Typed(text):
            yield Text.assemble("You typed: ", (visible(text) or "(nothing)", "red"))
