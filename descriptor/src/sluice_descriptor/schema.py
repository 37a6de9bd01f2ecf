"""The published JSON Schema of the descriptor format, generated from the models.

    python -m sluice_descriptor.schema [PATH]   (default: descriptor.schema.json beside this file)

Point an editor at it: ``# yaml-language-server: $schema=<path or URL>`` atop a YAML descriptor, or
``"$schema": "<path or URL>"`` in a JSON one. A unit test fails when the committed file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from sluice_descriptor.model import Descriptor

__all__ = ["SCHEMA_PATH", "descriptor_schema", "main", "schema_text"]

SCHEMA_PATH = Path(__file__).with_name("descriptor.schema.json")
SCHEMA_ID = "https://sluice.dev/schemas/descriptor.schema.json"


def descriptor_schema() -> dict[str, Any]:
    schema = Descriptor.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Sluice connector descriptor",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def schema_text() -> str:
    return json.dumps(descriptor_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else SCHEMA_PATH
    path.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
