"""Anki's field HTML ↔ quizapp's card text.

quizapp's card text is Markdown-ish (`quizapp.tui.render`): paragraphs, `inline code`, **bold**,
*italic*, fenced code blocks, formulas between `$…$` / `$$…$$`, and `\\$` for a literal dollar.

In: line breaks and blocks become lines, lists become `- ` / `1. ` lines, `<b>`/`<i>` become
`**`/`*`, `<pre><code>` a fenced block, `<code>` backticks, entities are unescaped, styling
(`style`, `<font>`, `<span>`, classes) is dropped, `<script>`/`<style>` are dropped with their
content, images, audio and video become a readable placeholder naming the file, MathJax
`\\(…\\)`, `\\[…\\]` and `[$]…[/$]` become `$…$`/`$$…$$`, and a literal `$` is escaped. Control
characters are removed: they mean nothing in a card and must never reach a terminal.
Out: the reverse, for Anki's editor and MathJax.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser

_BLOCKS = {"div", "p", "br", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr"}
_DROPPED = {"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg", "math"}
_MEDIA = {"img": "image", "audio": "sound", "video": "video", "source": "media"}
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_MATH_IN = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_OLD_MATH = {"[$$]": "\\[", "[/$$]": "\\]", "[$]": "\\(", "[/$]": "\\)"}
_CODE_MARK = "\ue000{}\ue001"
_CODE_BACK = re.compile("\ue000(\\d+)\ue001")


class _ToText(HTMLParser):
    def __init__(self, media: Callable[[str, str], str]) -> None:
        super().__init__(convert_charrefs=True)
        self.media = media
        self.out: list[str] = []
        self.codes: list[str] = []
        """Code (inline and blocks), kept aside so neither escaping nor math touches it."""
        self.dropping = 0
        self.pre = 0
        self.code: list[str] | None = None
        self.lists: list[list[int]] = []
        """For each open list: [next number] for <ol>, [] for <ul>."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self.dropping += 1
            return
        if self.dropping:
            return
        attributes = dict(attrs)
        if tag in _MEDIA:
            source = attributes.get("src")
            if source:
                self._text(self.media(_MEDIA[tag], source), escape=False)
            return
        if tag == "pre":
            self.pre += 1
            self.code = []
        elif tag == "code" and not self.pre:
            self.code = []
        elif self.code is not None:
            if tag in ("br", "div", "p"):
                self.code.append("\n")
        elif tag in _BLOCKS:
            self._newline()
        elif tag in ("ul", "ol"):
            self._newline()
            self.lists.append([1] if tag == "ol" else [])
        elif tag == "li":
            self._newline()
            marker = "- "
            if self.lists and self.lists[-1]:
                marker = f"{self.lists[-1][0]}. "
                self.lists[-1][0] += 1
            self.out.append("  " * max(len(self.lists) - 1, 0) + marker)
        elif tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.dropping = max(self.dropping - 1, 0)
            return
        if self.dropping:
            return
        if tag == "pre" and self.pre:
            self.pre -= 1
            code = "".join(self.code or []).strip("\n")
            self.code = None
            self._newline()
            self.codes.append(f"```\n{code}\n```")
            self.out.append(_CODE_MARK.format(len(self.codes) - 1))
            self.out.append("\n")
        elif tag == "code" and not self.pre and self.code is not None:
            code = "".join(self.code).replace("`", "'").replace("\n", " ")
            self.code = None
            if code.strip():
                self.codes.append(f"`{code}`")
                self.out.append(_CODE_MARK.format(len(self.codes) - 1))
        elif self.code is not None:
            return
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._newline()
        elif tag in ("div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"):
            self._newline()
        elif tag in ("b", "strong"):
            self._close("**")
        elif tag in ("i", "em"):
            self._close("*")

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        if self.code is not None:
            self.code.append(data)
            return
        self._text(data.replace("\n", " "), escape=True)

    def _text(self, text: str, *, escape: bool) -> None:
        self.out.append(text.replace("$", "\\$") if escape else text)

    def _newline(self) -> None:
        if self.out and not "".join(self.out[-2:]).endswith("\n"):
            self.out.append("\n")

    def _close(self, mark: str) -> None:
        # An empty or blank emphasis (<b></b>, <i> </i>) would show its stars: drop it.
        if self.out and self.out[-1] == mark:
            self.out.pop()
        else:
            self.out.append(mark)


def _math(match: re.Match[str]) -> str:
    inline = match.group(1)
    formula = (inline if inline is not None else match.group(2)).strip()
    formula = formula.replace("\\$", "$").replace("\n", " ")
    if not formula:
        return ""
    return f"${formula}$" if inline is not None else f"$${formula}$$"


def to_text(field: str, media: Callable[[str, str], str] | None = None) -> str:
    """An Anki field's HTML as quizapp card text.

    Args:
        media: (kind, file name) → the placeholder to show for an image, sound or video;
            by default `[image: name]`.
    """
    media = media or (lambda kind, name: f"[{kind}: {name}]")
    for old, new in _OLD_MATH.items():  # Anki's older MathJax delimiters
        field = field.replace(old, new)
    field = _SOUND.sub(lambda m: f"<audio src={html.escape(m.group(1), quote=True)!r}>", field)
    parser = _ToText(media)
    parser.feed(field)
    parser.close()
    if parser.code is not None:  # a <pre> or <code> never closed: keep what it held as text
        parser.out.append("".join(parser.code).replace("$", "\\$"))
    text = "".join(parser.out).replace("\xa0", " ")
    text = _MATH_IN.sub(_math, text)
    text = _CONTROL.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    codes = [_CONTROL.sub("", code) for code in parser.codes]
    text = _CODE_BACK.sub(lambda m: codes[int(m.group(1))], text)
    return text


def clean(text: str) -> str:
    """`text` without control characters (a deck name, a tag)."""
    return _CONTROL.sub("", text)


def plain(field: str) -> str:
    """A field as plain text (a typed answer): tags dropped, entities unescaped, no escaping."""
    text = to_text(field)
    text = re.sub(r"`([^`]*)`", r"\1", text).replace("\\$", "$").replace("**", "")
    return text.strip()


# -- out: card text → Anki HTML --------------------------------------------------------------------

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", re.M | re.S)
# As quizapp.core.latex reads formulas (Pandoc's rule: no space just inside the dollars).
_MATH_OUT = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)(.+?)(?<![\s\\])\$", re.S)
_INLINE_OUT = re.compile(
    r"`([^`\n]+)`|\*\*(.+?)\*\*|(?<![\w*\\^_$])\*(?=[^\s*$])([^*$\n]+?)(?<=[^\s*\\^_])\*(?![\w*$])"
)


def to_html(text: str) -> str:
    """quizapp card text as HTML for Anki: fenced code as `<pre><code>`, formulas as MathJax."""
    out: list[str] = []
    position = 0
    for match in _FENCE.finditer(text):
        out.append(_paragraphs(text[position : match.start()]))
        out.append(f"<pre><code>{html.escape(match.group(2).rstrip(chr(10)), quote=False)}</code></pre>")
        position = match.end()
    out.append(_paragraphs(text[position:]))
    return "".join(part for part in out if part)


def _paragraphs(text: str) -> str:
    text = text.strip("\n")
    if not text:
        return ""
    out: list[str] = []
    position = 0
    for match in _MATH_OUT.finditer(text):
        out.append(_inline(text[position : match.start()]))
        if match.group(1) is not None:
            out.append("\\[" + html.escape(match.group(1), quote=False) + "\\]")
        else:
            out.append("\\(" + html.escape(match.group(2), quote=False) + "\\)")
        position = match.end()
    out.append(_inline(text[position:]))
    return "".join(out).replace("\n", "<br>")


def _inline(text: str) -> str:
    out: list[str] = []
    position = 0
    for match in _INLINE_OUT.finditer(text):
        out.append(html.escape(text[position : match.start()].replace("\\$", "$"), quote=False))
        if match.group(1) is not None:
            out.append(f"<code>{html.escape(match.group(1), quote=False)}</code>")
        elif match.group(2) is not None:
            out.append(f"<b>{html.escape(match.group(2).replace(chr(92) + '$', '$'), quote=False)}</b>")
        else:
            out.append(f"<i>{html.escape(match.group(3).replace(chr(92) + '$', '$'), quote=False)}</i>")
        position = match.end()
    out.append(html.escape(text[position:].replace("\\$", "$"), quote=False))
    return "".join(out)
