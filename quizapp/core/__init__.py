"""The headless domain: content, storage, scheduling. Never imports textual, torch or pandas."""
