"""``sluice connector review``: each check trips on its fixture and stays quiet on the clean twin;
the JSON and SARIF shapes; the exit status; the reference connectors have no blocker."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from sluice_cli.kit.review import RULES, Finding, main, review

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).parent / "fixtures"
STANDARDS = {
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
}

# check -> (the fixture that trips it, its clean twin, the line of the finding)
CASES = {
    "unpaginated-list": ("unpaginated-list/bad", "unpaginated-list/good", 9),
    "unbounded-read": ("unbounded-read/bad", "unbounded-read/good", 8),
    "swallowed-exception": ("swallowed-exception/bad", "swallowed-exception/good", 10),
    "blocking-io-in-async": ("blocking-io-in-async/bad", "blocking-io-in-async/good", 7),
    "no-checkpoint-in-loop": ("no-checkpoint-in-loop/bad", "no-checkpoint-in-loop/good", 7),
    "secret-logged": ("secret-logged/bad", "secret-logged/good", 9),
    "http-no-timeout": ("http-no-timeout/bad", "http-no-timeout/good", 7),
    "test-without-assertions": (
        "test-without-assertions/bad",
        "test-without-assertions/good",
        4,
    ),
    "mapping-untested": ("mapping-untested/bad", "mapping-untested/good", 1),
    "descriptor-invalid": ("descriptor-invalid", "descriptor-good", 50),
    "descriptor-unpaginated-stream": ("descriptor-unpaginated-stream", "descriptor-good", 63),
    "descriptor-unpaginated-operation": (
        "descriptor-unpaginated-operation",
        "descriptor-good",
        46,
    ),
}
SEVERITY = {
    "unpaginated-list": "blocker",
    "secret-logged": "blocker",
    "descriptor-invalid": "blocker",
    "mapping-untested": "minor",
}


def _checks(findings: list[Finding]) -> set[str]:
    return {f.check for f in findings}


def _args(path: Path, fmt: str = "text", output: Path | None = None) -> argparse.Namespace:
    return argparse.Namespace(path=str(path), format=fmt, output=str(output) if output else None)


@pytest.mark.parametrize("check", sorted(CASES))
def test_check_trips_on_its_fixture(check: str) -> None:
    bad, _, line = CASES[check]
    found = [f for f in review(FIXTURES / bad) if f.check == check]
    assert len(found) == 1, found
    assert found[0].line == line
    assert found[0].severity == SEVERITY.get(check, "major")
    assert found[0].standard == RULES[check][0]
    assert found[0].standard in STANDARDS
    assert Path(found[0].file).is_file()


@pytest.mark.parametrize("check", sorted(CASES))
def test_check_is_quiet_on_the_clean_twin(check: str) -> None:
    _, good, _ = CASES[check]
    assert check not in _checks(review(FIXTURES / good))


def test_every_rule_names_a_standard() -> None:
    assert {standard for standard, _ in RULES.values()} <= STANDARDS
    assert set(CASES) <= set(RULES)


def test_invalid_descriptor_gives_the_validators_position() -> None:
    (finding,) = review(FIXTURES / "descriptor-invalid" / "notes.yaml")
    assert finding.check == "descriptor-invalid"
    assert "operations[1].auth_type_ref" in finding.message
    assert "column 20" in finding.message


def test_text_output_and_exit_status_on_a_blocker(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args(FIXTURES / "secret-logged" / "bad")) == 1
    out = capsys.readouterr().out
    assert "client.py:9: blocker secret-logged: " in out
    assert out.splitlines()[0].endswith("[security]")


def test_exit_status_without_blockers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args(FIXTURES / "swallowed-exception" / "bad")) == 0
    assert "major swallowed-exception" in capsys.readouterr().out
    assert main(_args(FIXTURES / "swallowed-exception" / "good")) == 0


def test_missing_path_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args(tmp_path / "absent")) == 2
    assert "no such file" in capsys.readouterr().err


def test_json_output(tmp_path: Path) -> None:
    out = tmp_path / "review.json"
    assert main(_args(FIXTURES / "unpaginated-list" / "bad", "json", out)) == 1
    document = json.loads(out.read_text())
    assert document["summary"] == {"blocker": 1, "major": 1, "minor": 0}
    keys = {"check", "severity", "confidence", "file", "line", "message", "standard"}
    assert all(set(f) == keys for f in document["findings"])
    blocker = next(f for f in document["findings"] if f["severity"] == "blocker")
    assert blocker["check"] == "unpaginated-list"
    assert blocker["standard"] == "pagination"
    assert blocker["confidence"] in ("high", "medium", "low")


def test_sarif_output(tmp_path: Path) -> None:
    out = tmp_path / "review.sarif"
    assert main(_args(FIXTURES / "unpaginated-list" / "bad", "sarif", out)) == 1
    log = json.loads(out.read_text())
    assert log["version"] == "2.1.0"
    assert "sarif" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == list(RULES)
    assert all(rule["shortDescription"]["text"] for rule in driver["rules"])
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"unpaginated-list": "error", "unbounded-read": "warning"}
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"].endswith("unpaginated-list/bad/client.py")
        assert physical["region"]["startLine"] >= 1


def test_sarif_levels_for_minor_findings(tmp_path: Path) -> None:
    out = tmp_path / "review.sarif"
    assert main(_args(FIXTURES / "mapping-untested" / "bad", "sarif", out)) == 0
    (result,) = json.loads(out.read_text())["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("mapping-untested", "note")


@pytest.mark.parametrize(
    "reference",
    [
        "connectors/rss",
        "connectors/filesystem",
        "connectors/web",
        "connectors/declarative",
        "descriptor/examples",
    ],
)
def test_reference_connectors_have_no_blocker(reference: str) -> None:
    blockers = [f.render() for f in review(ROOT / reference) if f.severity == "blocker"]
    assert blockers == []
