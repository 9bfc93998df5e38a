"""Anki packages (.apkg, .colpkg) in and out: reading both generations, note types to card kinds,
field HTML to deck text and back, and writing a legacy package Anki imports.

Standard library plus `zstandard` only: the `anki` package (the Anki core, ~40 MB) is used to make
the test fixtures, never by quizapp itself. A package is untrusted input: every problem with it is
an `AnkiPackageError` whose message is one sentence.
"""

from __future__ import annotations


class AnkiPackageError(ValueError):
    """The package cannot be read as it is; the message says why, in one sentence."""
