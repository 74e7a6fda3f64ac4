"""What the app provisions in every tenant, declared in ``provisioning.json``.

The partner edits the JSON file shipped next to this module; ``load_spec`` reads it into
frozen dataclasses and refuses anything the engine could not provision safely, naming
the offending entry (``web_panels[0] (MyApp:ContactPanel): ...``). Unknown keys are
refused too, so a typo fails at load instead of being silently ignored.

CRM webhooks (``webhooks``) name the record events the app wants; their ``TargetUrl`` is
not written in the file: it is always ``{app_base_url}/webhooks/crm/<ctx>``, the route
of NotificationWebhookFunction, with the tenant being provisioned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from . import documented

__all__ = [
    "DEFAULT_SPEC_PATH",
    "PREFERENCE_LEVELS",
    "UDEF_ENTITIES",
    "UDEF_FIELD_TYPES",
    "WEBHOOK_ACTIONS",
    "WEBHOOK_PATH",
    "ListSpec",
    "PreferenceSpec",
    "ProvisioningSpec",
    "SpecError",
    "UdefFieldSpec",
    "WebPanelSpec",
    "WebhookSpec",
    "load_spec",
    "parse_spec",
]

DEFAULT_SPEC_PATH: Final = Path(__file__).with_name("provisioning.json")

UDEF_ENTITIES: Final = ("Contact", "Person", "Project", "Sale", "Appointment", "Document")
# SuperOffice's UDefFieldType names, exactly as documented.
UDEF_FIELD_TYPES: Final = frozenset(documented.UDEF_FIELD_TYPES)
# The documented levels a value can be set at ("Undefined" means "not set").
PREFERENCE_LEVELS: Final = frozenset(documented.PREFERENCE_LEVELS) - {"Undefined"}
# Fields the engine sets itself: an attribute may not override them.
_RESERVED_UDEF_ATTRIBUTES: Final = frozenset({"UDefFieldId", "ProgId", "FieldLabel", "FieldType"})
_RESERVED_PANEL_ATTRIBUTES: Final = frozenset(
    {"WebPanelId", "ProgId", "Name", "Url", "VisibleIn", "Tooltip", "Deleted"}
)
APP_BASE_URL_PLACEHOLDER: Final = "{app_base_url}"
# A user's credential: SuperOffice would put it into the URL, and so into every log of
# every server the URL passes. Certification forbids it.
_FORBIDDEN_TEMPLATE_VARIABLE: Final = "<usec>"
_PROG_ID: Final = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,49}")
_IDENTIFIER: Final = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
_PATH_SAFE: Final = re.compile(r"[^/\\?#%]{1,100}")
_PLACEHOLDER: Final = re.compile(r"\{[^{}]*\}")
_MAX_TEXT: Final = 255
# Where NotificationWebhookFunction receives a tenant's record events (template.yaml).
WEBHOOK_PATH: Final = "/webhooks/crm/"
WEBHOOK_ACTIONS: Final = ("created", "changed", "deleted", "softdeleted")
# `{entity}.softdeleted` ("deleted in the user interface"): documented for these only.
_SOFT_DELETE_EVENT_ENTITIES: Final = ("contact", "person")
# `contact.created`: SuperOffice's event names, lower case, a main record's entity.
_WEBHOOK_EVENT: Final = re.compile(r"([a-z][a-z0-9_]{0,63})\.([a-z]+)")


class SpecError(ValueError):
    """``provisioning.json`` is unusable; the message names the entry and the problem."""


@dataclass(frozen=True)
class UdefFieldSpec:
    """A user-defined field, identified by ``prog_id`` (ids change when publishing)."""

    entity: str
    prog_id: str
    label: str
    field_type: str
    tooltip: str = ""
    # Further UserDefinedFieldInfo properties set on the template as given (TextLength, ...).
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class ListSpec:
    """A user-defined list, identified by ``name``, with its items (by name)."""

    name: str
    tooltip: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class WebPanelSpec:
    """A web panel (or button), identified by ``prog_id``; ``url`` is final (base filled in).

    ``tooltip`` names the app: a web panel has no description, and its tooltip is where
    an administrator sees whose panel it is.
    """

    prog_id: str
    name: str
    url: str
    visible_in: str
    tooltip: str
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class PreferenceSpec:
    """A preference, identified by section, key and level."""

    section: str
    key: str
    level: str
    value: str


@dataclass(frozen=True)
class WebhookSpec:
    """A CRM webhook, identified by ``name``; its target is per tenant (``target_url``)."""

    name: str
    events: tuple[str, ...]
    target_prefix: str
    """``{app_base_url}/webhooks/crm/``: the tenant's ctx completes it."""

    def target_url(self, ctx: str) -> str:
        """Where SuperOffice delivers ``ctx``'s events: the app's route for that tenant."""
        return self.target_prefix + ctx


@dataclass(frozen=True)
class ProvisioningSpec:
    udefs: tuple[UdefFieldSpec, ...]
    lists: tuple[ListSpec, ...]
    web_panels: tuple[WebPanelSpec, ...]
    preferences: tuple[PreferenceSpec, ...]
    app_name: str
    webhooks: tuple[WebhookSpec, ...] = ()


def load_spec(path: Path | str | None = None, *, app_base_url: str) -> ProvisioningSpec:
    """Read and validate ``provisioning.json`` (by default the one shipped in the layer)."""
    source = Path(path) if path is not None else DEFAULT_SPEC_PATH
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError(f"{source.name}: cannot be read ({type(error).__name__})") from None
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys)
    except ValueError as error:
        raise SpecError(f"{source.name}: not valid JSON ({error})") from None
    return parse_spec(document, app_base_url=app_base_url)


def parse_spec(document: object, *, app_base_url: str) -> ProvisioningSpec:
    """Validate an already parsed document (see ``load_spec``)."""
    base = _app_base_url(app_base_url)
    top = _object(document, "provisioning.json")
    _known_keys(
        top,
        "provisioning.json",
        required={"app_name"},
        optional={
            "user_defined_fields",
            "lists",
            "web_panels",
            "preferences",
            "webhooks",
            "description",
        },
    )
    app_name = _text(top, "app_name", "provisioning.json")
    spec = ProvisioningSpec(
        udefs=tuple(_entries(top, "user_defined_fields", _udef)),
        lists=tuple(_entries(top, "lists", _list)),
        web_panels=tuple(
            _entries(
                top, "web_panels", lambda entry, where: _web_panel(entry, where, base, app_name)
            )
        ),
        preferences=tuple(_entries(top, "preferences", _preference)),
        app_name=app_name,
        webhooks=tuple(
            _entries(top, "webhooks", lambda entry, where: _webhook(entry, where, base))
        ),
    )
    _unique(spec.udefs, lambda udef: udef.prog_id, "user_defined_fields", "prog_id")
    _unique(spec.lists, lambda entry: entry.name, "lists", "name")
    _unique(spec.web_panels, lambda panel: panel.prog_id, "web_panels", "prog_id")
    _unique(
        spec.preferences,
        lambda pref: f"{pref.section}/{pref.key}/{pref.level}",
        "preferences",
        "section/key/level",
    )
    _unique(spec.webhooks, lambda hook: hook.name, "webhooks", "name")
    return spec


def _udef(entry: Mapping[str, Any], where: str) -> UdefFieldSpec:
    _known_keys(
        entry,
        where,
        required={"entity", "prog_id", "label", "field_type"},
        optional={"tooltip", "attributes"},
    )
    prog_id = _prog_id(entry, where)
    where = f"{where} ({prog_id})"
    entity = _text(entry, "entity", where)
    canonical = {name.lower(): name for name in UDEF_ENTITIES}.get(entity.lower())
    if canonical is None:
        raise SpecError(f"{where}: entity must be one of {', '.join(UDEF_ENTITIES)}")
    field_type = _documented_name(
        _text(entry, "field_type", where),
        f"{where}: field_type",
        documented.UDEF_FIELD_TYPES,
        documented.RENAMED_FIELD_TYPES,
    )
    return UdefFieldSpec(
        entity=canonical,
        prog_id=prog_id,
        label=_text(entry, "label", where),
        field_type=field_type,
        tooltip=_text(entry, "tooltip", where, default=""),
        attributes=_attributes(
            entry, where, _RESERVED_UDEF_ATTRIBUTES, documented.UDEF_FIELD_PROPERTIES
        ),
    )


def _list(entry: Mapping[str, Any], where: str) -> ListSpec:
    _known_keys(entry, where, required={"name", "items"}, optional={"tooltip"})
    name = _text(entry, "name", where)
    where = f"{where} ({name})"
    raw_items = entry["items"]
    if not isinstance(raw_items, list):
        raise SpecError(f"{where}: items must be a list of names")
    items: list[str] = []
    for index, item in enumerate(raw_items):
        if not isinstance(item, str) or not item.strip() or len(item) > _MAX_TEXT:
            raise SpecError(f"{where}: items[{index}] must be a non-empty name")
        if item in items:
            raise SpecError(f"{where}: item {item!r} appears twice")
        items.append(item)
    return ListSpec(
        name=name, tooltip=_text(entry, "tooltip", where, default=""), items=tuple(items)
    )


def _web_panel(
    entry: Mapping[str, Any], where: str, app_base_url: str, app_name: str
) -> WebPanelSpec:
    if "description" in entry:
        # Earlier versions of this file had one; SuperOffice's web panel has none (it
        # ignored the property silently), so say where the text goes instead.
        raise SpecError(
            f"{where}: description is not a property of a SuperOffice web panel; "
            "name the app in tooltip instead"
        )
    _known_keys(
        entry,
        where,
        required={"prog_id", "name", "url", "visible_in", "tooltip"},
        optional={"attributes"},
    )
    prog_id = _prog_id(entry, where)
    where = f"{where} ({prog_id})"
    tooltip = _text(entry, "tooltip", where)
    if app_name not in tooltip:
        raise SpecError(f"{where}: tooltip must name the app ({app_name!r})")
    visible_in = _text(entry, "visible_in", where, pattern=_IDENTIFIER)
    if visible_in not in documented.WEB_PANEL_VISIBLE_IN:
        raise SpecError(
            f"{where}: visible_in {visible_in!r} is not one of SuperOffice's VisibleIn values "
            "(e.g. ContactCard, PersonCard, ProjectCard, SaleCard, NavigatorButton, "
            "ButtonPanelTask)"
        )
    return WebPanelSpec(
        prog_id=prog_id,
        name=_text(entry, "name", where),
        url=_panel_url(_text(entry, "url", where, limit=2000), where, app_base_url),
        visible_in=visible_in,
        tooltip=tooltip,
        attributes=_attributes(
            entry, where, _RESERVED_PANEL_ATTRIBUTES, documented.WEB_PANEL_PROPERTIES
        ),
    )


def _panel_url(template: str, where: str, app_base_url: str) -> str:
    if _FORBIDDEN_TEMPLATE_VARIABLE in unquote(template).lower():
        raise SpecError(
            f"{where}: url must not use <usec> (it would put the user's credential in the "
            "URL); use <uctx> and <usid>"
        )
    unknown = [p for p in _PLACEHOLDER.findall(template) if p != APP_BASE_URL_PLACEHOLDER]
    if unknown:
        raise SpecError(f"{where}: url has an unknown placeholder (only {{app_base_url}})")
    url = template.replace(APP_BASE_URL_PLACEHOLDER, app_base_url)
    parts = urlsplit(url)
    allowed = ("https", "http") if app_base_url.startswith("http://") else ("https",)
    if parts.scheme not in allowed or not parts.netloc or parts.username is not None:
        raise SpecError(f"{where}: url must be an https URL")
    return url


def _preference(entry: Mapping[str, Any], where: str) -> PreferenceSpec:
    _known_keys(entry, where, required={"section", "key", "level", "value"}, optional=set())
    section = _text(entry, "section", where, pattern=_PATH_SAFE)
    key = _text(entry, "key", where, pattern=_PATH_SAFE)
    level = _text(entry, "level", where)
    where = f"{where} ({section}/{key}/{level})"
    level = _documented_name(
        level,
        f"{where}: level",
        tuple(name for name in documented.PREFERENCE_LEVELS if name in PREFERENCE_LEVELS),
        documented.RENAMED_PREFERENCE_LEVELS,
    )
    value = entry["value"]
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise SpecError(f"{where}: value must be a string (preferences hold text)")
    return PreferenceSpec(section=section, key=key, level=level, value=value)


def _webhook(entry: Mapping[str, Any], where: str, app_base_url: str) -> WebhookSpec:
    _known_keys(entry, where, required={"name", "events"}, optional=set())
    name = _text(entry, "name", where)
    if name != name.strip():
        raise SpecError(f"{where}: name must not start or end with spaces")
    where = f"{where} ({name})"
    raw_events = entry["events"]
    if not isinstance(raw_events, list) or not raw_events:
        raise SpecError(f'{where}: events must be a non-empty list such as ["contact.created"]')
    events: list[str] = []
    for index, event in enumerate(raw_events):
        if not isinstance(event, str):
            raise SpecError(f"{where}: events[{index}] must be a string")
        match = _WEBHOOK_EVENT.fullmatch(event)
        if match is None or match.group(2) not in WEBHOOK_ACTIONS:
            raise SpecError(
                f"{where}: events[{index}] {event[:80]!r} must be <entity>.<action> in lower "
                f"case, the action one of {', '.join(WEBHOOK_ACTIONS)} (e.g. contact.changed)"
            )
        if match.group(2) == "softdeleted" and match.group(1) not in _SOFT_DELETE_EVENT_ENTITIES:
            raise SpecError(
                f"{where}: events[{index}] {event!r}: SuperOffice sends softdeleted only for "
                f"{' and '.join(_SOFT_DELETE_EVENT_ENTITIES)}"
            )
        if event in events:
            raise SpecError(f"{where}: event {event!r} appears twice")
        events.append(event)
    return WebhookSpec(name=name, events=tuple(events), target_prefix=app_base_url + WEBHOOK_PATH)


def _app_base_url(value: str) -> str:
    base = value.rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise SpecError("app_base_url must be an http(s) URL without query")
    return base


def _entries(
    top: Mapping[str, Any], name: str, parse: Callable[[Mapping[str, Any], str], Any]
) -> list[Any]:
    raw = top.get(name, [])
    if not isinstance(raw, list):
        raise SpecError(f"{name} must be a list")
    return [parse(_object(entry, f"{name}[{i}]"), f"{name}[{i}]") for i, entry in enumerate(raw)]


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"{where} must be a JSON object")
    return value


def _known_keys(
    entry: Mapping[str, Any], where: str, *, required: set[str], optional: set[str]
) -> None:
    missing = sorted(required - entry.keys())
    if missing:
        raise SpecError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(entry.keys() - required - optional)
    if unknown:
        raise SpecError(f"{where}: unknown key {', '.join(map(repr, unknown))}")


def _text(
    entry: Mapping[str, Any],
    key: str,
    where: str,
    *,
    default: str | None = None,
    pattern: re.Pattern[str] | None = None,
    limit: int = _MAX_TEXT,
) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise SpecError(f"{where}: {key} must be a non-empty string")
    if len(value) > limit:
        raise SpecError(f"{where}: {key} is longer than {limit} characters")
    if pattern is not None and value and pattern.fullmatch(value) is None:
        raise SpecError(f"{where}: {key} has characters that are not allowed here")
    return value


def _prog_id(entry: Mapping[str, Any], where: str) -> str:
    value = _text(entry, "prog_id", where)
    if _PROG_ID.fullmatch(value) is None:
        raise SpecError(
            f"{where}: prog_id must be a letter then up to 49 letters, digits or _.:- "
            "(it is the item's stable key and goes into URLs)"
        )
    return value


def _attributes(
    entry: Mapping[str, Any], where: str, reserved: frozenset[str], known: frozenset[str]
) -> MappingProxyType[str, Any]:
    raw = entry.get("attributes", {})
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: attributes must be a JSON object")
    clashes = sorted(reserved & raw.keys())
    if clashes:
        raise SpecError(f"{where}: attributes may not set {', '.join(clashes)} (set by the app)")
    # SuperOffice ignores a property it does not know: a misspelt one would do nothing.
    unknown = sorted(raw.keys() - known)
    if unknown:
        raise SpecError(
            f"{where}: attributes {', '.join(map(repr, unknown))} are not properties "
            "SuperOffice documents here"
        )
    return MappingProxyType(dict(raw))


def _documented_name(
    value: str, where: str, names: tuple[str, ...], renamed: Mapping[str, str]
) -> str:
    """``value`` if SuperOffice documents it (exactly: JSON values are not case-folded)."""
    if value in names:
        return value
    if value in renamed:
        raise SpecError(
            f"{where} {value!r} is not SuperOffice's name; use {renamed[value]!r} "
            "(SuperOffice does not know the old one)"
        )
    raise SpecError(f"{where} must be one of {', '.join(names)}")


def _unique(items: tuple[Any, ...], key: Callable[[Any], str], name: str, label: str) -> None:
    seen: set[str] = set()
    for item in items:
        value = key(item)
        if value in seen:
            raise SpecError(f"{name}: {label} {value!r} appears twice (it must identify one item)")
        seen.add(value)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice in one object")
        result[key] = value
    return result
