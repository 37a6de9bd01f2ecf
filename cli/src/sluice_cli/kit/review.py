"""``sluice connector review PATH``: static checks of a connector against the standards
(``docs/standards/``), as text for people, JSON or SARIF 2.1.0 for CI.

The checks themselves live in ``checks/code.py`` (Python, through ``ast``) and
``checks/descriptors.py`` (descriptor files); their heuristics are documented there. The exit
status is 1 when any finding is a blocker, else 0 (2 when PATH does not exist).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sluice_cli.kit.checks.code import check_mapping_tested, check_python
from sluice_cli.kit.checks.descriptors import check_descriptor, is_descriptor
from sluice_cli.kit.checks.finding import RULES, SEVERITIES, Finding

__all__ = ["RULES", "Finding", "main", "render", "review"]

_SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    "node_modules",
    "build",
    "dist",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}


_SARIF_LEVEL = {"blocker": "error", "major": "warning", "minor": "note"}
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not _SKIP_DIRS.intersection(path.relative_to(root).parts):
            yield path


def _is_test(path: Path) -> bool:
    return path.suffix == ".py" and (
        path.name.startswith("test_") or path.name.endswith("_test.py")
    )


def _sibling_tests(root: Path) -> list[Path]:
    """Tests kept outside the connector, as in this repository: ``tests/connectors/<name>/``."""
    names = {root.name, root.name.replace("-", "_")}
    for parent in root.resolve().parents:
        for name in names:
            folder = parent / "tests" / "connectors" / name
            if folder.is_dir():
                return sorted(p for p in folder.rglob("*.py") if _is_test(p))
    return []


def review(path: str | Path) -> list[Finding]:
    """Every finding of the connector (a folder) or file at ``path``, by file and line."""
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"no such file or directory: {root}")
    base = root.parent if root.is_file() else root
    findings: list[Finding] = []
    mappings: list[tuple[Path, str]] = []
    tests: list[Path] = []
    for file in _files(root):
        shown = str(root if root.is_file() else root / file.relative_to(base))
        if file.suffix == ".py":
            findings.extend(check_python(file, shown))
            if file.name == "mapping.py":
                mappings.append((file, shown))
            if _is_test(file):
                tests.append(file)
        elif is_descriptor(file):
            findings.extend(check_descriptor(file, shown))
    if root.is_dir():
        findings.extend(check_mapping_tested(mappings, [*tests, *_sibling_tests(root)]))
    return sorted(findings, key=lambda f: (f.file, f.line, SEVERITIES.index(f.severity), f.check))


def render_text(findings: list[Finding]) -> str:
    lines = [finding.render() for finding in findings]
    counts = ", ".join(f"{sum(f.severity == s for f in findings)} {s}" for s in SEVERITIES)
    lines.append(f"{len(findings)} findings ({counts})" if findings else "no findings")
    return "\n".join(lines) + "\n"


def render_json(findings: list[Finding]) -> str:
    document = {
        "findings": [finding.as_dict() for finding in findings],
        "summary": {s: sum(f.severity == s for f in findings) for s in SEVERITIES},
    }
    return json.dumps(document, indent=2) + "\n"


def sarif(findings: list[Finding]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: every rule, and a result per finding."""
    rule_ids = list(RULES)
    rules = [
        {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": text},
            "helpUri": f"docs/standards/{standard}.md",
            "properties": {"standard": standard},
        }
        for rule_id, (standard, text) in RULES.items()
    ]
    results = [
        {
            "ruleId": f.check,
            "ruleIndex": rule_ids.index(f.check),
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.message} [{f.standard}]"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": Path(f.file).as_posix()},
                        "region": {"startLine": max(f.line, 1)},
                    }
                }
            ],
            "properties": {
                "severity": f.severity,
                "confidence": f.confidence,
                "standard": f.standard,
            },
        }
        for f in findings
    ]
    return {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sluice connector review",
                        "informationUri": "docs/standards/",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def render(findings: list[Finding], fmt: str) -> str:
    """``findings`` as ``text``, ``json`` or ``sarif``."""
    if fmt == "json":
        return render_json(findings)
    if fmt == "sarif":
        return json.dumps(sarif(findings), indent=2) + "\n"
    return render_text(findings)


def main(args: argparse.Namespace) -> int:
    """Run the review of ``args.path``; write ``args.format`` to ``args.output`` or stdout."""
    try:
        findings = review(args.path)
    except FileNotFoundError as exc:
        print(f"sluice connector review: {exc}", file=sys.stderr)
        return 2
    output = render(findings, getattr(args, "format", None) or "text")
    target = getattr(args, "output", None)
    if target:
        Path(target).write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    return 1 if any(f.severity == "blocker" for f in findings) else 0
