"""Hypothesis strategies shared by the property tests of templates and of compiled mappings:
JSON values whose keys the generated paths often hit, and templates of every shape (text, paths,
function calls, doubled braces, now and then one that does not parse)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

KEYS = ("id", "title", "fields", "items", "record", "config", "stream", "a", "0", "1", "-1")
"""Object keys and path segments: plain names, list indexes, and the mapping's reserved roots."""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**13), max_value=10**13),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        ["", "x", "Héllo", "2026-03-04T10:30:00Z", "1772618400", "soon", " 2026-03-01 "]
    ),
    st.text(max_size=5),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=4)
    ),
    max_leaves=12,
)
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)

paths = st.lists(st.sampled_from(KEYS), min_size=1, max_size=3).map(".".join)
_expressions = paths.map(lambda path: "{" + path + "}")
_literals = st.text(alphabet="ab -/:,é", min_size=1, max_size=4) | st.sampled_from(["{{", "}}"])
_CALLS = (
    "{{default({p}, fallback)}}",
    "{{coalesce({p}, {q})}}",
    "{{lower({p})}}",
    "{{json({p})}}",
    "{{date({p})}}",
    "{{date({p}, %Y)}}",
    "{{join({p}, /)}}",
    "{{base64({p}:x)}}",
    "{{urlencode({p})}}",
)
_calls = st.builds(
    lambda shape, p, q: shape.format(p=p, q=q),
    st.sampled_from(_CALLS),
    _expressions,
    _expressions,
)
_broken = st.sampled_from(["{", "a}", "{lower(a, b)}", "{nope({id})}"])

templates = st.one_of(
    st.lists(st.one_of(_literals, _expressions, _expressions, _calls), max_size=4).map("".join),
    _expressions,
    _broken,
)
