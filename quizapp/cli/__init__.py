"""The command line: parses arguments, calls the application layer, prints. See `main.py`."""

from quizapp.cli.main import cli, main

__all__ = ["cli", "main"]
