"""Read forms out of an HTML page, as a browser sees them, with the standard library only.

The demo submits exactly what a page offers (hidden fields, the choices of radio buttons,
selects and submit buttons), so it depends on field names and never on page layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    """One `<form>`: where it posts, its prefilled values and the choices it offers."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)

    def offers(self, name: str) -> bool:
        return name in self.fields or name in self.choices


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.submits_itself = False
        self._select: str | None = None
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "script":
            self._in_script = True
        elif tag == "form":
            method = attributes.get("method", "get").upper()
            self.forms.append(Form(attributes.get("action", ""), method))
        elif self.forms:
            self._control(tag, attributes)

    def _control(self, tag: str, attributes: dict[str, str]) -> None:
        form, name = self.forms[-1], attributes.get("name")
        if tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            form.choices.setdefault(self._select, []).append(value)
            if "selected" in attributes or self._select not in form.fields:
                form.fields[self._select] = value
        elif not name:
            return
        elif tag == "input":
            kind = attributes.get("type", "text").lower()
            value = attributes.get("value", "")
            if kind in ("radio", "checkbox", "submit"):
                form.choices.setdefault(name, []).append(value)
            if kind not in ("radio", "checkbox", "submit") or "checked" in attributes:
                form.fields[name] = value
        elif tag == "button":
            form.choices.setdefault(name, []).append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        # OpenID Connect's form_post pages submit themselves from an inline script.
        if self._in_script and ".submit()" in data:
            self.submits_itself = True


@dataclass(frozen=True)
class PageForms:
    forms: list[Form]
    submits_itself: bool


def read_forms(html: str) -> PageForms:
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return PageForms(reader.forms, reader.submits_itself)
