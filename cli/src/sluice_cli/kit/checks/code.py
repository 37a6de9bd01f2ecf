"""Static checks of a connector's Python files, on the syntax tree (``ast``).

Heuristics (each finding says how sure it is in ``confidence``):

* ``unpaginated-list`` -- a function that looks like it lists a collection (its name starts
  with ``list``, ``fetch_all``, ``get_all`` or ``iter``, or it subscripts a response with a
  collection key such as ``items``/``results``/``data``/``records``) and makes one HTTP GET
  (``requests.get``, ``<session|client|http>.get(...)``, ``.request("GET", ...)``) outside any
  loop, while nothing in the function mentions a page, cursor, offset, next link or continuation
  token.
* ``unbounded-read`` -- ``x.read()`` with no size, ``await x.json()`` or ``await x.text()`` in a
  function that never mentions a content length or a byte limit (``content_length``, ``max_bytes``,
  ``limit``...).
* ``swallowed-exception`` -- a bare ``except``, ``except Exception`` or ``except BaseException``
  whose body is only ``pass``/``continue``/``...``.
* ``blocking-io-in-async`` -- ``requests.*``, ``time.sleep``, ``open()``, ``urllib.request.urlopen``
  called directly in an ``async def``.
* ``no-checkpoint-in-loop`` -- a loop that emits (``*.emit*(...)``) in a file that never calls
  ``save_checkpoint``.
* ``secret-logged`` -- a ``print`` or logger call (``log``/``logger``/``ctx.log``... ``.info`` etc.)
  with an argument or keyword named like a password, token, secret, API key or credentials.
* ``http-no-timeout`` -- ``aiohttp.ClientSession()`` without ``timeout=`` in a function that passes
  no ``timeout=`` anywhere (a per-request timeout counts) and does not hand the session to another
  object (a client wrapper that owns the per-request timeout), and ``requests.<verb>()`` without
  ``timeout=``.
* ``test-without-assertions`` -- a ``test_*`` function with no ``assert``, no
  ``pytest.raises``/``warns``/``fail`` and no ``assert*`` helper call.
* ``mapping-untested`` -- a ``mapping.py`` that no test file imports.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from sluice_cli.kit.checks.finding import RULES, Confidence, Finding, Severity

_FuncDef = ast.FunctionDef | ast.AsyncFunctionDef
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)

_LIST_NAME = re.compile(r"^_*(list|fetch_all|get_all|iter)", re.IGNORECASE)
_COLLECTION_KEYS = {"items", "results", "data", "records", "values", "elements", "hits", "entries"}
_PAGE_TOKEN = re.compile(
    r"page|cursor|offset|next|continuation|has_more|hasmore|marker|start_?at|skip|link",
    re.IGNORECASE,
)
_HTTP_RECEIVER = re.compile(r"session|client|http|api", re.IGNORECASE)
_SECRET_NAME = re.compile(
    r"(^|_)(password|passwd|secret|token|api_?key|credentials?|private_key)($|_)", re.IGNORECASE
)
_SECRET_NAME_OK = re.compile(
    r"_(url|type|name|names|count|field|path|file|endpoint|expires?_?\w*)$"
)
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "msg"}
_LOG_RECEIVER = re.compile(r"log", re.IGNORECASE)
_REQUESTS_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}
_SIZE_GUARD = re.compile(r"content.?length|max_?bytes|max_?size|size_?limit|limit", re.IGNORECASE)


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` for a name or attribute chain, else ``""``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def _walk_own(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, without descending into nested functions or classes."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, _NESTED):
            yield from _walk_own(child)


def _functions(tree: ast.AST) -> Iterator[_FuncDef]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _words(func: _FuncDef) -> Iterator[str]:
    """Identifiers, attribute names, keyword names and string constants of a function."""
    for arg in (*func.args.args, *func.args.kwonlyargs):
        yield arg.arg
    for node in _walk_own(func):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.keyword) and node.arg:
            yield node.arg
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


class _Checker:
    def __init__(self, path: Path, shown: str) -> None:
        self.path = path
        self.shown = shown
        self.findings: list[Finding] = []

    def add(
        self, check: str, node: ast.AST, message: str, *, severity: Severity, confidence: Confidence
    ) -> None:
        line = getattr(node, "lineno", 1)
        standard = RULES[check][0]
        self.findings.append(
            Finding(check, severity, confidence, self.shown, line, message, standard)
        )

    def run(self, tree: ast.Module) -> list[Finding]:
        is_test = self.path.name.startswith("test_") or self.path.name.endswith("_test.py")
        for func in _functions(tree):
            self.unpaginated_list(func)
            self.unbounded_reads(func)
            self.no_timeout(func)
            if isinstance(func, ast.AsyncFunctionDef):
                self.blocking_io(func)
            if is_test and func.name.startswith("test"):
                self.test_assertions(func)
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler):
                self.swallowed(node)
            elif isinstance(node, ast.Call):
                self.secret_logged(node)
        self.checkpoints(tree)
        return self.findings

    # -- pagination ------------------------------------------------------------------------

    def unpaginated_list(self, func: _FuncDef) -> None:
        gets = [n for n in _walk_own(func) if isinstance(n, ast.Call) and _is_http_get(n)]
        if len(gets) != 1:
            return
        in_loop = any(
            isinstance(loop, _LOOPS) and any(n is gets[0] for n in ast.walk(loop))
            for loop in _walk_own(func)
        )
        if in_loop or any(_PAGE_TOKEN.search(word) for word in _words(func)):
            return
        named_list = bool(_LIST_NAME.match(func.name))
        collection = any(
            isinstance(n, ast.Subscript)
            and isinstance(n.slice, ast.Constant)
            and n.slice.value in _COLLECTION_KEYS
            for n in _walk_own(func)
        )
        if named_list or collection:
            self.add(
                "unpaginated-list",
                gets[0],
                f"{func.name}() lists a collection with one GET and no page, cursor or next-link "
                "handling: records past the first page are silently lost",
                severity="blocker",
                confidence="high" if named_list and collection else "medium",
            )

    # -- memory ----------------------------------------------------------------------------

    def unbounded_reads(self, func: _FuncDef) -> None:
        if any(_SIZE_GUARD.search(word) for word in _words(func)):
            return
        for node in _walk_own(func):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "read"
                and not node.args
                and not node.keywords
            ):
                self.add(
                    "unbounded-read",
                    node,
                    f"{_dotted(node.func)}() reads the whole body or file with no size limit",
                    severity="major",
                    confidence="medium",
                )
            elif (
                isinstance(node, ast.Await)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr in ("json", "text")
            ):
                self.add(
                    "unbounded-read",
                    node,
                    f"await {_dotted(node.value.func)}() buffers a body of any size: check "
                    "the content length or read with a byte limit first",
                    severity="major",
                    confidence="medium",
                )

    # -- errors ----------------------------------------------------------------------------

    def swallowed(self, handler: ast.ExceptHandler) -> None:
        broad = handler.type is None or _dotted(handler.type) in ("Exception", "BaseException")
        if isinstance(handler.type, ast.Tuple):
            broad = any(_dotted(e) in ("Exception", "BaseException") for e in handler.type.elts)
        quiet = all(
            isinstance(s, (ast.Pass, ast.Continue))
            or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            for s in handler.body
        )
        if broad and quiet:
            what = "a bare except" if handler.type is None else f"except {_dotted(handler.type)}"
            self.add(
                "swallowed-exception",
                handler,
                f"{what} discards the error without logging or re-raising it",
                severity="major",
                confidence="high",
            )

    # -- architecture ----------------------------------------------------------------------

    def blocking_io(self, func: ast.AsyncFunctionDef) -> None:
        for node in _walk_own(func):
            if not isinstance(node, ast.Call):
                continue
            name = _dotted(node.func)
            blocking = (
                name.startswith("requests.")
                or name in ("time.sleep", "open", "urllib.request.urlopen", "urlopen")
                or name == "io.open"
            )
            if blocking:
                self.add(
                    "blocking-io-in-async",
                    node,
                    f"{name}() blocks the event loop inside async def {func.name}(); use the async "
                    "equivalent or asyncio.to_thread",
                    severity="major",
                    confidence="high" if name != "open" else "medium",
                )

    # -- checkpoints -----------------------------------------------------------------------

    def checkpoints(self, tree: ast.Module) -> None:
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        if any(_dotted(c.func).endswith("save_checkpoint") for c in calls):
            return
        for loop in ast.walk(tree):
            if not isinstance(loop, _LOOPS):
                continue
            emits = any(
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr.startswith("emit")
                for n in _walk_own(loop)
            )
            if emits:
                self.add(
                    "no-checkpoint-in-loop",
                    loop,
                    "a loop emits documents but the module never calls save_checkpoint: a stopped "
                    "sync starts over",
                    severity="major",
                    confidence="medium",
                )

    # -- security --------------------------------------------------------------------------

    def secret_logged(self, call: ast.Call) -> None:
        func = call.func
        if isinstance(func, ast.Name):
            logging_call = func.id == "print"
        elif isinstance(func, ast.Attribute):
            receiver = _dotted(func.value)
            logging_call = func.attr in _LOG_METHODS and bool(_LOG_RECEIVER.search(receiver))
        else:
            logging_call = False
        if not logging_call:
            return
        for name in _argument_names(call):
            if _SECRET_NAME.search(name) and not _SECRET_NAME_OK.search(name):
                self.add(
                    "secret-logged",
                    call,
                    f"{_dotted(func)}() logs {name!r}, which looks like a secret",
                    severity="blocker",
                    confidence="medium",
                )
                return

    # -- timeouts --------------------------------------------------------------------------

    def no_timeout(self, func: _FuncDef) -> None:
        calls = [n for n in _walk_own(func) if isinstance(n, ast.Call)]
        any_timeout = any(k.arg == "timeout" for c in calls for k in c.keywords)
        handed = {
            value.id
            for c in calls
            for value in (*c.args, *(k.value for k in c.keywords))
            if isinstance(value, ast.Name)
        }
        for call in calls:
            name = _dotted(call.func)
            has_timeout = any(k.arg == "timeout" for k in call.keywords)
            if (
                name == "aiohttp.ClientSession"
                and not has_timeout
                and not any_timeout
                and not _bound_names(func, call) & handed
            ):
                self.add(
                    "http-no-timeout",
                    call,
                    "aiohttp.ClientSession() without timeout= (the default waits 5 minutes) and "
                    "no per-request timeout in this function",
                    severity="major",
                    confidence="medium",
                )
            elif (
                name.startswith("requests.")
                and name.split(".")[-1] in _REQUESTS_VERBS
                and not has_timeout
            ):
                self.add(
                    "http-no-timeout",
                    call,
                    f"{name}() without timeout= can wait forever",
                    severity="major",
                    confidence="high",
                )

    # -- testing ---------------------------------------------------------------------------

    def test_assertions(self, func: _FuncDef) -> None:
        for node in _walk_own(func):
            if isinstance(node, ast.Assert):
                return
            if isinstance(node, ast.Call):
                name = _dotted(node.func)
                last = name.split(".")[-1]
                if name in ("pytest.raises", "pytest.warns", "pytest.fail") or last.startswith(
                    "assert"
                ):
                    return
        self.add(
            "test-without-assertions",
            func,
            f"{func.name}() asserts nothing: it cannot fail",
            severity="major",
            confidence="medium",
        )


def _bound_names(func: _FuncDef, call: ast.Call) -> set[str]:
    """The names ``call``'s value is bound to (``x = call``, ``with call as x``)."""
    names: set[str] = set()
    for node in _walk_own(func):
        if isinstance(node, ast.Assign) and node.value is call:
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif (
            isinstance(node, ast.withitem)
            and node.context_expr is call
            and isinstance(node.optional_vars, ast.Name)
        ):
            names.add(node.optional_vars.id)
    return names


def _is_http_get(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    receiver = _dotted(func.value)
    if func.attr in ("get", "get_json"):
        if receiver in ("requests", "httpx"):
            return True
        last = receiver.split(".")[-1]
        return bool(_HTTP_RECEIVER.search(last))
    if func.attr == "request" and call.args:
        first = call.args[0]
        return isinstance(first, ast.Constant) and str(first.value).upper() == "GET"
    return False


def _argument_names(call: ast.Call) -> Iterator[str]:
    for keyword in call.keywords:
        if keyword.arg:
            yield keyword.arg
    values: list[ast.AST] = [*call.args, *(k.value for k in call.keywords)]
    for value in values:
        for node in ast.walk(value):
            if isinstance(node, ast.Name):
                yield node.id
            elif isinstance(node, ast.Attribute):
                yield node.attr


def check_python(path: Path, shown: str) -> list[Finding]:
    """The findings of one Python file (a file that does not parse is one finding)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        return [Finding("syntax-error", "blocker", "high", shown, line, str(exc), "architecture")]
    return _Checker(path, shown).run(tree)


def _imports_mapping(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[-1] == "mapping" or any(a.name == "mapping" for a in node.names):
                return True
        elif isinstance(node, ast.Import) and any(
            a.name.split(".")[-1] == "mapping" for a in node.names
        ):
            return True
    return False


def check_mapping_tested(
    mappings: Iterable[tuple[Path, str]], test_files: Iterable[Path]
) -> list[Finding]:
    """``mapping-untested`` for each mapping module when no test file imports a ``mapping``."""
    mappings = list(mappings)
    if not mappings:
        return []
    for test in test_files:
        try:
            tree = ast.parse(test.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        if _imports_mapping(tree):
            return []
    return [
        Finding(
            "mapping-untested",
            "minor",
            "medium",
            shown,
            1,
            "no test imports the mapping module: the record-to-document mapping is untested",
            "testing",
        )
        for _, shown in mappings
    ]
