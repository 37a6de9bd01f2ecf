"""Visit every console page reachable by links from a start page, as a signed-in operator, and
keep what each one sent and showed: the raw HTTP body, the DOM after scripts ran, the values of
its inputs, and what its console said while it loaded."""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urljoin, urlsplit

from tests.browser.conftest import Watched

# Run, source and document pages differ only by id: a couple of each is enough.
_IDS = re.compile(r"/(?:[0-9A-HJKMNP-TV-Z]{26}|\d+)(?=/|$)")
_SKIP = re.compile(r"^/ui/(static/|logout)|/events$")
PER_SHAPE = 2
MAX_PAGES = 40

# Every input's current value (set by scripts too, which ``page.content()`` does not show).
_VALUES = "() => Array.from(document.querySelectorAll('input, textarea, select')).map(e => e.value)"
# Inline scripts and inline event handlers: the CSP forbids both, the console must use neither.
_INLINE = """() => {
  const found = [];
  for (const s of document.querySelectorAll('script:not([src])')) found.push('inline <script>');
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      if (/^on/i.test(a.name)) found.push(e.tagName + '[' + a.name + ']');
    }
  }
  return found;
}"""
# Form fields a screen reader cannot name: no <label>, no aria-label(ledby).
_UNLABELLED = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea'))
  .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')
    && !e.getAttribute('aria-labelledby') && !e.getAttribute('title'))
  .map(e => e.outerHTML.slice(0, 160))"""


@dataclass
class Visit:
    path: str
    status: int
    raw: str
    dom: str
    values: list[str]
    inline: list[str]
    unlabelled: list[str]
    csp_violations: list[str]
    problems: list[str]
    headers: dict[str, str] = field(default_factory=dict)


def _shape(path: str) -> str:
    """The page's kind: its path with ids taken out, and the names of its query parameters."""
    parts = urlsplit(path)
    return _IDS.sub("/{id}", parts.path) + "?" + "&".join(sorted(parse_qs(parts.query)))


async def crawl(watched: Watched, base: str, start: list[str]) -> list[Visit]:
    page = watched.page
    queue = deque(start)
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    visits: list[Visit] = []
    while queue and len(visits) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or shapes[_shape(path)] >= PER_SHAPE:
            continue
        seen.add(path)
        shapes[_shape(path)] += 1
        before_messages, before_errors = len(watched.messages), len(watched.errors)
        response = await page.goto(base + path)
        assert response is not None, path
        await page.wait_for_load_state("load")
        raw = await page.context.request.get(base + path)
        messages = watched.messages[before_messages:]
        errors = watched.errors[before_errors:]
        visits.append(
            Visit(
                path=path,
                status=response.status,
                raw=await raw.text(),
                dom=await page.content(),
                values=await page.evaluate(_VALUES),
                inline=await page.evaluate(_INLINE),
                unlabelled=await page.evaluate(_UNLABELLED),
                csp_violations=[m.text for m in messages if "Content Security Policy" in m.text],
                problems=[f"{m.type}: {m.text}" for m in messages if m.type == "error"]
                + [f"page error: {e.message}" for e in errors],
                headers=await response.all_headers(),
            )
        )
        hrefs = await page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            target = urlsplit(urljoin(base + path, href))
            if f"{target.scheme}://{target.netloc}" != base or not target.path.startswith("/ui/"):
                continue
            found = target.path + (f"?{target.query}" if target.query else "")
            if not _SKIP.search(target.path) and found not in seen:
                queue.append(found)
    return visits
