"""Signing in to the console: the login form, the session cookie, CSRF on every form."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.integration.console.conftest import ADMIN_TOKEN, csrf_of, sign_in


async def test_a_page_sends_a_visitor_who_has_not_signed_in_to_the_login_form(
    client: TestClient,
) -> None:
    resp = await client.get("/ui/runs?status=running", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/ui/login?next=%2Fui%2Fruns%3Fstatus%3Drunning"

    login = await client.get(resp.headers["Location"])
    assert login.status == 200
    html = await login.text()
    assert '<label for="token">Admin token</label>' in html
    assert 'value="/ui/runs?status=running"' in html


async def test_the_root_leads_to_the_sources_page(client: TestClient) -> None:
    resp = await client.get("/", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (302, "/ui/")
    await sign_in(client)
    resp = await client.get("/ui/", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (302, "/ui/sources")


async def test_signing_in_sets_a_signed_http_only_strict_cookie_and_goes_to_next(
    client: TestClient,
) -> None:
    form = await client.get("/ui/login")
    resp = await client.post(
        "/ui/login",
        data={
            "token": ADMIN_TOKEN,
            "csrf_token": csrf_of(await form.text()),
            "next": "/ui/queue",
        },
        allow_redirects=False,
    )
    assert resp.status == 303
    assert resp.headers["Location"] == "/ui/queue"
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("sluice_console=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/ui" in cookie
    assert ADMIN_TOKEN not in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
    queue = await client.get("/ui/queue", allow_redirects=False)
    assert queue.status == 200


async def test_a_wrong_token_shows_the_form_again_with_401(client: TestClient) -> None:
    form = await client.get("/ui/login")
    resp = await client.post(
        "/ui/login",
        data={"token": "not-the-token", "csrf_token": csrf_of(await form.text())},
        allow_redirects=False,
    )
    assert resp.status == 401
    assert "That is not an admin token." in await resp.text()
    after = await client.get("/ui/sources", allow_redirects=False)
    assert after.status == 303


async def test_next_never_leaves_the_console(client: TestClient) -> None:
    form = await client.get("/ui/login")
    resp = await client.post(
        "/ui/login",
        data={
            "token": ADMIN_TOKEN,
            "csrf_token": csrf_of(await form.text()),
            "next": "//evil.example/ui/",
        },
        allow_redirects=False,
    )
    assert resp.headers["Location"] == "/ui/sources"


async def test_signing_out_ends_the_session(client: TestClient) -> None:
    csrf = await sign_in(client)
    resp = await client.post("/ui/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, "/ui/login")
    after = await client.get("/ui/sources", allow_redirects=False)
    assert after.status == 303


async def test_a_forged_cookie_is_not_a_session(client: TestClient) -> None:
    await sign_in(client)
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({"sluice_console": "eyJjIjoieCIsInMiOnRydWV9.x.y"})
    resp = await client.get("/ui/sources", allow_redirects=False)
    assert resp.status == 303


async def test_a_form_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    csrf = await sign_in(client)
    for data in ({}, {"csrf_token": "wrong"}, {"csrf_token": csrf + "x"}):
        resp = await client.post("/ui/queue/retry", data={"all": "true", **data})
        assert resp.status == 403
        assert resp.content_type == "text/html"
        assert "CSRF" in await resp.text()
    # The login form is guarded too.
    resp = await client.post("/ui/login", data={"token": ADMIN_TOKEN})
    assert resp.status == 403


async def test_htmx_requests_carry_the_token_in_a_header(client: TestClient) -> None:
    csrf = await sign_in(client)
    page = await (await client.get("/ui/queue")).text()
    assert f'hx-headers=\'{{"X-CSRF-Token": "{csrf}"}}\'' in page
    resp = await client.post(
        "/ui/queue/retry",
        data={"all": "true"},
        headers={"X-CSRF-Token": csrf},
        allow_redirects=False,
    )
    assert resp.status == 303


async def test_without_an_admin_token_nobody_signs_in(tokenless_client: TestClient) -> None:
    """As the admin API refuses every request when no admin token is configured."""
    resp = await tokenless_client.get("/ui/sources", allow_redirects=False)
    assert resp.status == 303
    form = await (await tokenless_client.get("/ui/login")).text()
    for token in ("", "anything"):
        resp = await tokenless_client.post(
            "/ui/login", data={"token": token, "csrf_token": csrf_of(form)}
        )
        assert resp.status == 401
