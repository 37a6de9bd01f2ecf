"""What a console page must never contain, read with the standard library's HTML parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_UNLABELLED_OK = {"hidden", "submit", "button", "reset"}
_VOID = {"input", "img", "br", "hr", "meta", "link", "source", "wbr", "area", "col"}


@dataclass
class Audit:
    inline_scripts: int = 0
    script_sources: list[str] = field(default_factory=list)
    event_attributes: list[str] = field(default_factory=list)
    style_attributes: int = 0
    style_elements: int = 0
    javascript_urls: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)  # ids of inputs a person fills in
    unnamed_fields: int = 0  # fillable inputs without an id (no label can name them)
    labels: set[str] = field(default_factory=set)
    text: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # id -> text inside the element

    @property
    def unlabelled(self) -> list[str]:
        return [i for i in self.fields if i not in self.labels]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.audit = Audit()
        self._open_ids: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = self.audit
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                a.event_attributes.append(f"{tag}[{name}]")
            if name in ("href", "src", "action") and value.strip().lower().startswith(
                "javascript:"
            ):
                a.javascript_urls.append(value)
        if "style" in values:
            a.style_attributes += 1
        if tag == "style":
            a.style_elements += 1
        if tag == "script":
            if "src" in values:
                a.script_sources.append(values["src"])
            else:  # whatever its type: the page carries no script of its own
                a.inline_scripts += 1
        if tag == "label" and values.get("for"):
            a.labels.add(values["for"])
        fillable = tag in ("select", "textarea") or (
            tag == "input" and values.get("type", "text") not in _UNLABELLED_OK
        )
        if fillable:
            if values.get("id"):
                a.fields.append(values["id"])
            else:
                a.unnamed_fields += 1
        if values.get("id") and tag not in _VOID:
            self._open_ids.append((tag, values["id"], []))

    def handle_endtag(self, tag: str) -> None:
        if self._open_ids and self._open_ids[-1][0] == tag:
            _, element_id, parts = self._open_ids.pop()
            self.audit.ids[element_id] = "".join(parts).strip()

    def handle_data(self, data: str) -> None:
        self.audit.text.append(data)
        for _, _, parts in self._open_ids:
            parts.append(data)


def audit(html: str) -> Audit:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.audit
