"""The application layer: each use case the command line and the TUI share, in one place.

Front ends (`quizapp.cli`, `quizapp.tui`) call these functions and render what they return; the
domain (`quizapp.core`, `quizapp.exercises`, `quizapp.stats`) knows nothing of either.
"""
