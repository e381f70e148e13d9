"""One thing wrong with a catalog, worded so a store employee can fix it without reading code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """A skipped entry or file: where it is, what is wrong and how to fix it (so the app can say so)."""

    file: str
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        """One readable line, fit for a log or a status bar."""
        where = f"{self.file} [{self.field}]" if self.field else self.file
        text = f"{where}: {self.message}"
        return f"{text} (fix: {self.fix})" if self.fix else text


class FixableError(ValueError):
    """Something a store employee can put right: what is wrong (`message`) and what to do (`fix`)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
