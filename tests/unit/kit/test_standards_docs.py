"""The connector standards (docs/standards/) are complete, indexed and name the review checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sluice_cli.kit.checks.finding import RULES

ROOT = Path(__file__).parents[3]
STANDARDS = ROOT / "docs" / "standards"
KIT = ROOT / "docs" / "connector-kit.md"

NAMES = [
    "architecture",
    "pagination",
    "rate-limits-and-retries",
    "errors",
    "checkpoints",
    "deletions-and-pruning",
    "memory",
    "testing",
    "security",
    "descriptors",
]
# The checks of `sluice connector review`, as the standards name them.
# The review's own list of checks is the source of truth: every one must be named by a standard.
CHECKS = sorted(RULES)
SECTIONS = ["## Rules", "## Why", "## Example", "## Enforced by"]
LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")
KEBAB = re.compile(r"`([a-z]+(?:-[a-z]+)+)`")


def _text(name: str) -> str:
    return (STANDARDS / f"{name}.md").read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    start = text.index(heading) + len(heading)
    end = text.find("\n## ", start)
    return text[start:] if end == -1 else text[start:end]


@pytest.mark.parametrize("name", NAMES)
def test_standard_has_a_title_its_sections_and_a_short_length(name: str) -> None:
    text = _text(name)
    first = text.splitlines()[0]
    assert re.fullmatch(r"# \S.*", first), f"{name}.md must start with a '# Title' line"
    for heading in SECTIONS:
        assert f"\n{heading}\n" in text, f"{name}.md has no {heading!r} section"
    assert "```" in _section(text, "## Example"), f"{name}.md has no code example"
    lines = len(text.splitlines())
    assert 30 <= lines <= 80, f"{name}.md has {lines} lines; a standard is 30-80"


@pytest.mark.parametrize("name", NAMES)
def test_standard_is_linked_from_the_index_and_the_walkthrough(name: str) -> None:
    index = set(LINK.findall((STANDARDS / "README.md").read_text(encoding="utf-8")))
    kit = set(LINK.findall(KIT.read_text(encoding="utf-8")))
    assert f"{name}.md" in index, f"docs/standards/README.md does not link {name}.md"
    assert f"standards/{name}.md" in kit, f"docs/connector-kit.md does not link {name}.md"


def test_the_index_links_nothing_but_existing_standards() -> None:
    index = LINK.findall((STANDARDS / "README.md").read_text(encoding="utf-8"))
    local = [target for target in index if "/" not in target]
    assert sorted(set(local)) == sorted(f"{name}.md" for name in NAMES)


@pytest.mark.parametrize("check", CHECKS)
def test_every_review_check_is_named_by_a_standard(check: str) -> None:
    naming = [name for name in NAMES if f"`{check}`" in _section(_text(name), "## Enforced by")]
    assert naming, f"no standard says which rule the review check {check!r} enforces"
    # The standard a finding links to (SARIF helpUri, text output) names the check itself.
    assert RULES[check][0] in naming, (check, RULES[check][0], naming)


@pytest.mark.parametrize("name", NAMES)
def test_enforced_by_names_only_known_checks(name: str) -> None:
    named = set(KEBAB.findall(_section(_text(name), "## Enforced by")))
    assert named, f"{name}.md names no review check"
    assert named <= set(CHECKS), f"{name}.md names unknown checks {sorted(named - set(CHECKS))}"


@pytest.mark.parametrize(
    "path", [*(STANDARDS / f"{n}.md" for n in NAMES), STANDARDS / "README.md", KIT]
)
def test_relative_links_resolve(path: Path) -> None:
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://")):
            continue
        assert (path.parent / target).is_file(), f"{path.name} links missing {target}"
