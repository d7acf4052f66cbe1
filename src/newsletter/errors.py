"""The one error type users see: a single line saying where, what, and how to fix it."""

from __future__ import annotations

from pathlib import Path


class NewsletterError(Exception):
    """Input that cannot be processed. The CLI prints `str(error)` and exits 2."""

    def __init__(
        self,
        what: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(what)
        self.what = what
        self.path = display_path(path) if path is not None else None
        self.line = line
        self.column = column
        self.fix = fix

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        text = f"{where}{self.what}"
        if self.fix:
            text += f"; {self.fix}"
        return " ".join(text.split())


def display_path(path: str | Path, resolved: Path | None = None) -> str:
    """A path as the user would type it: relative to the working folder when inside it.
    `resolved`: `path.resolve()` when the caller has it already."""
    try:
        return str((resolved or Path(path).resolve()).relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
