"""The registry of card kinds: kind name → `Kind`, one module per kind in this package.

Adding a kind is adding a module here that defines `KIND` (a `Kind` subclass instance): the deck
format, the loader's checks and expansion, the study screen and the listings all read this registry.
"""

from __future__ import annotations

import importlib
import os

from quizapp.core.kinds.base import (
    Answer,
    AnswerMode,
    Block,
    CardData,
    Code,
    Heading,
    Hint,
    Kind,
    Labelled,
    Options,
    Plain,
    Printed,
    Prose,
    Typed,
)

__all__ = [
    "KINDS",
    "Answer",
    "AnswerMode",
    "Block",
    "CardData",
    "Code",
    "Heading",
    "Hint",
    "Kind",
    "Labelled",
    "Options",
    "Plain",
    "Printed",
    "Prose",
    "Typed",
    "kind_of",
]

_NOT_KINDS = {"base", "fields", "fixtures"}


def _discover() -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    # os.listdir, not pkgutil: importing pkgutil cost 2 ms of the study screen's start-up.
    names = {name.rsplit(".", 1)[0] for name in os.listdir(__path__[0]) if name.endswith((".py", ".pyc"))}
    for name in sorted(names - _NOT_KINDS):
        if name.startswith("_"):
            continue
        kind = importlib.import_module(f"{__name__}.{name}").KIND
        if kind.name in kinds:
            raise RuntimeError(f"two card kinds are named {kind.name!r}")
        kinds[kind.name] = kind
    return dict(sorted(kinds.items()))


KINDS: dict[str, Kind] = _discover()
"""Every card kind, by the name deck files give it, in alphabetical order."""


def kind_of(name: str) -> Kind:
    """The kind named `name`; a KeyError names the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown card kind {name!r}; known: {', '.join(KINDS)}") from None
