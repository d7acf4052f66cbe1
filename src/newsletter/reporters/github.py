"""GitHub Actions workflow commands: one `::error file=…,line=…::message` annotation per finding."""

from __future__ import annotations

from typing import Sequence

from ..findings import Severity, catalogue
from .model import Findings

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(results: Sequence[Findings]) -> str:
    rules = catalogue()
    lines = []
    for result in results:
        for item in result.findings:
            location = item.location
            path = location.path if location and location.path else result.path
            fields = [f"file={_property(path)}"] if path else []
            if path and location and location.line:
                fields.append(f"line={location.line}")
                if location.column:
                    fields.append(f"col={location.column}")
            name = rules[item.rule].name if item.rule in rules else ""
            fields.append(f"title={_property(f'{item.rule} {name}'.strip())}")
            lines.append(f"::{_LEVELS[item.severity]} {','.join(fields)}::{_data(item.message)}")
    return "".join(line + "\n" for line in lines)
