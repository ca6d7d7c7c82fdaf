"""Domain errors. Only the CLI turns these into a one-line message and an exit code.

Every error carries a message that names the problem and, where possible, the fix.
Never put response text or other personal data in a message beyond what the user typed.
"""

from __future__ import annotations


class AutocodeError(Exception):
    """Base class: a problem the user can fix. ``str(err)`` is the one-line message."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message} — {hint}")


class InputError(AutocodeError):
    """An input file or argument is unusable (missing column, unreadable, empty, ...)."""


class StoreError(AutocodeError):
    """The project store cannot be opened or is inconsistent."""


class NotFoundError(AutocodeError):
    """Something the user referred to (a run, a suggestion, a code) does not exist."""


class ModelError(AutocodeError):
    """An embedding model or saved classifier cannot be loaded or does not match."""
