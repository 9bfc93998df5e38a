"""Deciding whether a typed answer matches, forgiving what does not change its meaning."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"'": '"', "‘": '"', "’": '"', "“": '"', "”": '"', "`": '"'})
_SPACE_AROUND_PUNCT = re.compile(r"\s*([()\[\]{}.,:;=<>+\-*/%&|^!~@])\s*")
_SPACES = re.compile(r"\s+")


def normalise(answer: str, *, case_sensitive: bool = True) -> str:
    """Canonical spelling of `answer`.

    Folds Unicode width (full-width ＝ is =), unifies quotes, drops trailing semicolons, and ignores
    whitespace except where it separates two words (`import torch` stays two tokens).
    """
    text = unicodedata.normalize("NFKC", answer).translate(_QUOTES).strip()
    text = text.rstrip(";").strip()
    text = _SPACE_AROUND_PUNCT.sub(r"\1", text)
    text = _SPACES.sub(" ", text)
    return text if case_sensitive else text.casefold()


def matches(typed: str, accepted: list[str], *, case_sensitive: bool = True) -> bool:
    given = normalise(typed, case_sensitive=case_sensitive)
    return bool(given) and any(given == normalise(a, case_sensitive=case_sensitive) for a in accepted)
