"""Coding exercises: exercise files, PyTorch references, the sandboxed checker, attempts."""
