"""``sluice connector new``: a connector project rendered from the Jinja2 templates beside this
module, for a code connector (on the SDK) or a declarative one (a descriptor).

Flags give the spec; on a terminal, missing ones are asked for; elsewhere a missing one is an error.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

KINDS = ("code", "declarative")
# Descriptor profile types a scaffold can fill in without provider-specific settings.
AUTH_TYPES = ("none", "api_key", "basic", "oauth2_client_credentials")
NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
ENDPOINT = re.compile(r"^(GET|HEAD|POST|PUT|PATCH|DELETE)\s+(/\S*)$", re.IGNORECASE)
DEFAULT_ENDPOINTS = "GET /items"

# Every generated project holds these; the per-kind templates follow.
COMMON = {
    "common/CONNECTOR_CONTEXT.md.j2": "CONNECTOR_CONTEXT.md",
    "common/AGENTS.md.j2": "AGENTS.md",
    "common/SKILL.md.j2": ".claude/skills/sluice-connector/SKILL.md",
}
CODE = {
    "code/pyproject.toml.j2": "pyproject.toml",
    "code/Dockerfile.j2": "Dockerfile",
    "code/README.md.j2": "README.md",
    "code/__init__.py.j2": "src/{package}/__init__.py",
    "code/__main__.py.j2": "src/{package}/__main__.py",
    "code/client.py.j2": "src/{package}/client.py",
    "code/config.py.j2": "src/{package}/config.py",
    "code/mapping.py.j2": "src/{package}/mapping.py",
    "code/connector.py.j2": "src/{package}/connector.py",
    "code/test_mapping.py.j2": "tests/test_mapping.py",
    "code/test_conformance.py.j2": "tests/test_conformance.py",
}
DECLARATIVE = {
    "declarative/descriptor.yaml.j2": "{name}.yaml",
    "declarative/pyproject.toml.j2": "pyproject.toml",
    "declarative/README.md.j2": "README.md",
    "declarative/test_descriptor.py.j2": "tests/test_descriptor.py",
}


class ScaffoldError(Exception):
    """A spec the scaffold cannot render, or a target it must not overwrite."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str

    @property
    def params(self) -> list[str]:
        return re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", self.path)

    @property
    def is_list(self) -> bool:
        """A read of a collection (no path parameter): it becomes a paginated sync stream."""
        return self.method in ("GET", "HEAD") and not self.params

    @property
    def operation_id(self) -> str:
        words = [w for w in re.split(r"[^a-z0-9]+", self.path.lower()) if w]
        nouns = [w for w in words if f"{{{w}}}" not in self.path.lower()]
        verb = {"GET": "list" if self.is_list else "get", "HEAD": "head"}.get(
            self.method, self.method.lower()
        )
        return "_".join([verb, *nouns]) or verb

    @property
    def stream(self) -> str:
        words = [w for w in re.split(r"[^a-z0-9]+", self.path.lower()) if w]
        return "_".join(words) or "records"


@dataclass(frozen=True, slots=True)
class Spec:
    name: str
    kind: str
    auth_types: list[str] = field(default_factory=lambda: ["none"])
    docs_url: str | None = None
    endpoints: list[Endpoint] = field(default_factory=list)
    docs_notes: str | None = None

    @property
    def package(self) -> str:
        return "sluice_connector_" + self.name.replace("-", "_")

    @property
    def source_type(self) -> str:
        """The name as a source type slug (``^[a-z][a-z0-9_]{0,49}$``)."""
        return self.name.replace("-", "_")

    @property
    def slug(self) -> str:
        """The name as a descriptor slug (``^[a-z0-9]+(?:-[a-z0-9]+)*$``)."""
        return self.name.replace("_", "-")

    @property
    def class_prefix(self) -> str:
        return "".join(part.capitalize() for part in re.split(r"[-_]", self.name))

    @property
    def list_endpoints(self) -> list[Endpoint]:
        return [e for e in self.endpoints if e.is_list]

    @property
    def primary(self) -> Endpoint:
        """The collection the generated sync reads (the first list endpoint)."""
        return self.list_endpoints[0]


def parse_name(value: str) -> str:
    name = value.strip().lower()
    if not NAME.match(name) or len(name) > 50:
        raise ScaffoldError(
            f"--name {value!r}: use lower-case letters, digits, '-' or '_', starting with a letter"
        )
    return name


def parse_kind(value: str) -> str:
    kind = value.strip().lower()
    if kind not in KINDS:
        raise ScaffoldError(f"--kind {value!r}: choose one of {', '.join(KINDS)}")
    return kind


def parse_auth_types(value: str) -> list[str]:
    types = list(dict.fromkeys(t.strip().lower() for t in value.split(",") if t.strip()))
    unknown = [t for t in types if t not in AUTH_TYPES]
    if unknown:
        raise ScaffoldError(
            f"--auth-types: unknown {', '.join(unknown)} (known: {', '.join(AUTH_TYPES)})"
        )
    # The first type is the one operations use; OAuth needs a token endpoint a local test lacks.
    types.sort(key=lambda t: t == "oauth2_client_credentials")
    return types or ["none"]


def parse_endpoints(value: str) -> list[Endpoint]:
    """``"GET /items, GET /items/{id}"`` (``:id`` is accepted for ``{id}``)."""
    endpoints: list[Endpoint] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        match = ENDPOINT.match(item)
        if match is None:
            raise ScaffoldError(f"--api-endpoints: {item!r} is not 'METHOD /path'")
        path = re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", r"{\1}", match.group(2))
        endpoints.append(Endpoint(match.group(1).upper(), path))
    if not any(e.is_list for e in endpoints):
        raise ScaffoldError(
            "--api-endpoints: name at least one list endpoint (GET without {parameters}), "
            "e.g. 'GET /items'; it becomes the synced collection"
        )
    return endpoints


def render(spec: Spec) -> dict[str, str]:
    """Relative path → text of every file of the project."""
    env = Environment(
        loader=PackageLoader("sluice_cli.kit", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # the output is source code and Markdown, never HTML
    )
    files = {**(CODE if spec.kind == "code" else DECLARATIVE), **COMMON}
    variables = {"spec": spec, "package": spec.package, "prefix": spec.class_prefix}
    return {
        target.format(package=spec.package, name=spec.name): env.get_template(template).render(
            **variables
        )
        for template, target in files.items()
    }


def write(spec: Spec, output: Path, *, force: bool = False) -> Path:
    """Render into ``output/<name>/``; an existing non-empty directory needs ``force``."""
    root = output / spec.name
    if root.exists() and any(root.iterdir()) and not force:
        raise ScaffoldError(f"{root} exists and is not empty; use --force to overwrite")
    for relative, text in render(spec).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


Ask = Callable[[str], str]


def spec_from_args(args: argparse.Namespace, *, interactive: bool, ask: Ask = input) -> Spec:
    """The spec of the flags; on a terminal the missing ones are asked for, else an error."""

    def value(flag: str, current: str | None, prompt: str, default: str | None = None) -> str:
        if current is not None:
            return current
        if not interactive:
            if default is not None:
                return default
            raise ScaffoldError(f"missing {flag} (stdin is not a terminal, so it cannot be asked)")
        hint = f" [{default}]" if default is not None else ""
        answer = ask(f"{prompt}{hint}: ").strip()
        if not answer and default is None:
            raise ScaffoldError(f"{flag} is required")
        return answer or (default or "")

    name = parse_name(value("--name", args.name, "Connector name (e.g. acme-tickets)"))
    kind = parse_kind(value("--kind", args.kind, f"Kind ({'|'.join(KINDS)})"))
    auth = parse_auth_types(
        value("--auth-types", args.auth_types, f"Auth types ({','.join(AUTH_TYPES)})", "none")
    )
    if kind == "code" and "oauth2_client_credentials" in auth:
        # Its token exchange depends on the provider; the declarative runtime does it from a URL.
        raise ScaffoldError(
            "--auth-types: a code connector scaffolds none, api_key and basic; implement OAuth "
            "in client.py by hand, or choose --kind declarative"
        )
    endpoints = parse_endpoints(
        value("--api-endpoints", args.api_endpoints, "API endpoints", DEFAULT_ENDPOINTS)
    )
    docs_url = args.docs_url
    if docs_url is None and interactive:
        docs_url = ask("API documentation URL (optional): ").strip() or None
    if docs_url is not None and not docs_url.startswith(("http://", "https://")):
        raise ScaffoldError(f"--docs-url {docs_url!r}: an absolute http(s) URL")
    return Spec(name, kind, auth, docs_url, endpoints, args.docs_notes)


def main(args: argparse.Namespace) -> int:
    try:
        spec = spec_from_args(args, interactive=sys.stdin.isatty())
        root = write(spec, args.output, force=args.force)
    except ScaffoldError as exc:
        print(f"sluice connector new: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {spec.kind} connector {spec.name!r} to {root}")
    print(f"next: cd {root} && PYTHONPATH=src python -m pytest; then read CONNECTOR_CONTEXT.md")
    return 0
