"""SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps): one run, every catalogued rule
with its why, fix and source, one result per finding."""

from __future__ import annotations

import json
import re
from pathlib import PurePath
from typing import Any, Sequence
from urllib.parse import quote

from ..version import __version__
from ..findings import Rule, Severity, catalogue
from .model import Findings

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_URL = re.compile(r"https?://\S+")


def sarif_log(results: Sequence[Findings]) -> dict[str, Any]:
    rules = sorted(catalogue().values(), key=lambda r: r.id)
    index = {rule.id: n for n, rule in enumerate(rules)}
    sarif_results = []
    for result in results:
        for item in result.findings:
            entry: dict[str, Any] = {
                "ruleId": item.rule,
                "level": _LEVELS[item.severity],
                "message": {"text": item.message + (f" Fix: {item.fix}" if item.fix else "")},
            }
            path = item.location.path if item.location and item.location.path else result.path
            if path:
                entry["locations"] = [_location(path, item.location.line if item.location else None,
                                                item.location.column if item.location else None)]
            if item.rule in index:
                entry["ruleIndex"] = index[item.rule]
            sarif_results.append(entry)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "newsletter",
                "version": __version__,
                "informationUri": "https://pypi.org/project/newsletter/",
                "rules": [_rule(rule) for rule in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "results": sarif_results,
        }],
    }


def format_sarif(results: Sequence[Findings]) -> str:
    return json.dumps(sarif_log(results), ensure_ascii=False, indent=2) + "\n"


def _rule(rule: Rule) -> dict[str, Any]:
    described: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.why},
        "help": {"text": f"{rule.why}\n\nFix: {rule.fix}",
                 "markdown": f"{rule.why}\n\n**Fix:** {rule.fix}" + (f"\n\nSource: {rule.source}" if rule.source else "")},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
    }
    url = _URL.search(rule.source or "")
    if url:
        described["helpUri"] = url.group(0).rstrip(";,)")
    return described


def _location(path: str, line: int | None, column: int | None) -> dict[str, Any]:
    pure = PurePath(path)
    uri = pure.as_uri() if pure.is_absolute() else quote(pure.as_posix())
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if line:
        physical["region"] = {"startLine": line, **({"startColumn": column} if column else {})}
    return {"physicalLocation": physical}
