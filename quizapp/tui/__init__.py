"""The Textual user interface. Calls the domain (`quizapp.core`); never imported by it."""
