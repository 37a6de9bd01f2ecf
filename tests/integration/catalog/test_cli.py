"""``sluice descriptor`` as a user runs it: a real process, validating files locally and talking
to the manager over HTTP for push, list and show."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from aiohttp.test_utils import TestClient

from tests.integration.catalog.descriptors import INVALID_YAML, SLUG, document, text, with_meta

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "descriptor" / "examples"
TOKEN = {"SLUICE_ADMIN_TOKEN": "adm-token"}


async def sluice(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sluice_cli.main",
        "descriptor",
        *args,
        cwd=ROOT,
        env=base | (env or {}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_validate_prints_positions_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(INVALID_YAML)
    good = tmp_path / "good.json"
    good.write_text(text(document()))
    code, out, _ = await sluice("validate", str(good), str(broken))
    assert code == 1
    assert f"{good}: ok ({SLUG} 1.0.0)" in out
    assert f"{broken}:13:20: operations[0].auth_type_ref: no authentication profile" in out

    examples = sorted(str(p) for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))
    code, out, _ = await sluice("validate", *examples)
    assert code == 0, out
    code, out, _ = await sluice("validate", str(tmp_path / "missing.yaml"))
    assert code == 1
    assert "missing.yaml" in out


async def test_push_list_show_against_the_manager(client: TestClient, tmp_path: Path) -> None:
    url = str(client.make_url("/"))
    env = {**TOKEN, "SLUICE_MANAGER_URL": url}
    path = tmp_path / "httpbin.json"
    path.write_text(text(document()))

    code, out, err = await sluice("push", str(path), env=env)
    assert code == 0, err
    assert out == f"{SLUG} 1.0.0: created (draft, private)\n"
    code, out, err = await sluice(
        "push", str(path), "--publish", "--visibility", "workspace", env=env
    )
    assert (code, out) == (0, f"{SLUG} 1.0.0: updated (published, workspace)\n"), err

    path.write_text(text(with_meta(document(), summary="changed")))
    code, _, err = await sluice("push", str(path), env=env)
    assert code == 1
    assert "HTTP 409" in err
    assert "bump metadata.version" in err

    broken = tmp_path / "broken.yaml"
    broken.write_text(INVALID_YAML)
    code, _, err = await sluice("push", str(broken), "--url", url, env=TOKEN)
    assert code == 1
    assert f"{broken}:13:20: operations[0].auth_type_ref:" in err

    code, out, _ = await sluice("list", "--status", "published", env=env)
    assert (code, out.split()) == (0, [SLUG, "1.0.0", "published", "workspace", "httpbin", "demo"])
    code, out, _ = await sluice("list", "--tag", "nothing", env=env)
    assert (code, out) == (0, "no descriptors\n")

    code, out, _ = await sluice("show", SLUG, env=env)
    assert code == 0
    assert out.splitlines() == [f"{SLUG} (latest 1.0.0)", "  1.0.0  published  workspace"]
    code, out, _ = await sluice("show", SLUG, "latest", env=env)
    assert code == 0
    assert f"httpbin demo — {SLUG} 1.0.0" in out
    assert '"slug": "httpbin-demo"' in out  # the pushed text
    code, out, _ = await sluice("show", SLUG, "1.0.0", "--json", env=env)
    assert code == 0
    assert '"document"' in out
    code, _, err = await sluice("show", "nope", env=env)
    assert code == 1
    assert "HTTP 404" in err


async def test_refusal_and_unreachable_manager(client: TestClient) -> None:
    url = str(client.make_url("/"))
    code, _, err = await sluice("list", "--url", url, env={"SLUICE_ADMIN_TOKEN": "wrong"})
    assert code == 1
    assert "HTTP 401" in err
    code, _, err = await sluice("list", "--url", "http://127.0.0.1:9", env=TOKEN)
    assert code == 2
    assert "cannot reach the manager" in err
