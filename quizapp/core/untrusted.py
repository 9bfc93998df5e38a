"""Untrusted text made safe to show: control characters made visible, never parsed as markup.

Untrusted text is anything quizapp did not write itself: what the learner's code prints, its
exception messages and class names, file names, and every string from a deck or exercise file.
A terminal *acts* on some characters instead of showing them (ESC starts sequences that clear the
screen, set the window title, write the clipboard or plant hyperlinks; CR overwrites a line, so
`print("FAIL\\rPASS")` would read PASS), and Unicode's bidi controls reorder what is displayed.
`visible()` replaces each of those with a mark that shows which one it was:

- C0 controls except newline and tab, and DEL: the Unicode control pictures (ESC → ␛, CR → ␍,
  BEL → ␇, NUL → ␀, DEL → ␡). `\\r\\n` is a line end and becomes `\\n`; a lone `\\r` is shown.
- C1 controls (U+0080–U+009F, CSI U+009B among them), the bidi controls (U+061C, U+200E, U+200F,
  U+202A–U+202E, U+2066–U+2069), the line and paragraph separators U+2028/U+2029 (Python's
  `splitlines` breaks lines on them, a terminal does not), the deprecated format controls
  U+206A–U+206F, the interlinear annotation marks U+FFF9–U+FFFB (they hide the annotated text),
  lone surrogates (from JSON `\\udXXX` escapes: printing one raises UnicodeEncodeError), and Unicode
  tag characters outside an emoji tag sequence (invisible text): shown as `⟨U+202E⟩`.

Left alone, because they are ordinary text and neither act nor reorder: every letter of every
script, emoji and their variation selectors, combining marks, the zero-width joiner and
non-joiner (U+200D is what builds 👩‍💻), zero-width space, soft hyphen and BOM, and subdivision
flags (🏴 followed by tags and a cancel tag). Nothing is cut: length caps are the caller's.
The marks are for reading, not decoding: a text that already holds a literal ␛ shows it unchanged.

This module imports nothing heavy (`rich.text` only inside `safe_text`), so the study start-up
pays nothing for it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

_PICTURES = {code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\n\t"}
_PICTURES[0x7F] = "\u2421"  # ␡

_UNSAFE = re.compile(
    "(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)"  # a subdivision flag (🏴 + tags + cancel tag): kept
    "|[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but \t \n, DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi controls
    "\u2028\u2029\u206a-\u206f\ufff9-\ufffb"  # separators, deprecated format controls, annotations
    "\ud800-\udfff\U000e0000-\U000e007f]"  # lone surrogates, tag characters
)


def _mark(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)
    code = ord(match.group())
    return _PICTURES.get(code) or f"⟨U+{code:04X}⟩"


def visible(text: str) -> str:
    """`text` with every control character shown as a mark instead of acting (see the module doc).

    Newlines and tabs stay; `\\r\\n` becomes `\\n`. Ordinary text, any script, emoji included,
    comes back unchanged.
    """
    return _UNSAFE.sub(_mark, text.replace("\r\n", "\n"))


def safe_text(text: str, style: str = "") -> Text:
    """`visible(text)` as a Rich `Text`: shown as it is, never parsed as markup."""
    from rich.text import Text

    return Text(visible(text), style=style)
