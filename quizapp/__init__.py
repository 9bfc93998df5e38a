"""quizapp: spaced-repetition flashcards and checked coding exercises for deep learning."""

__version__ = "0.1.0"
