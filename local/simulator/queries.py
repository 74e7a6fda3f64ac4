"""Archive queries over a tenant's records: `$select`, `$filter`, `$orderby`, `$top`, `$skip`.

One entity per query. Columns are `{entity}.{column}` (or bare `{column}` where the entity
is known from the path): `{entity}_id` is the primary key (an integer), `updated` and
`registered` are datetimes, `DeletedDate` (contact and person) the datetime of a delete in
the user interface, anything else names a free-form field (null when a record has none).
Entity prefixes and the built-in columns match case-insensitively; field names exactly,
else case-insensitively.

`$filter` grammar (keywords and operators case-insensitive):

    filter     := conjunction ("or" conjunction)*
    conjunction:= term ("and" term)*
    term       := "(" filter ")" | column operator value
    operator   := eq | ne | lt | gt | dateTime | afterTime | beforeTime
    value      := 'quoted string' ('' is a quote) | integer | decimal

How a comparison compares depends on the column, with the operators SuperOffice documents
for its type: the key as integers (`'17'` works too) with eq/ne/lt/gt; datetimes as
moments with dateTime (equal), afterTime (strictly after) and beforeTime (strictly
before) only, the value a quoted datetime (`Z` and up to seven fractional digits
allowed); fields by their value: numbers numerically, everything else as
case-insensitive text; a null field only satisfies `ne`, a null datetime nothing.
dateTime/afterTime/beforeTime on a field read its value as a datetime. Anything else,
`le`/`ge` and `eq` on a datetime included, is a 400.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from local.simulator.records import ENTITIES, NOT_DELETED, SOFT_DELETE_ENTITIES, Record
from local.simulator.routing import BadRequest
from local.simulator.timestamps import TICKS_PER_SECOND, format_timestamp, parse_ticks

DEFAULT_TOP: Final = 50
MAX_TOP: Final = 5000
OPERATORS: Final = ("eq", "ne", "lt", "gt", "dateTime", "afterTime", "beforeTime")
# SuperOffice's OData operators for DateTime columns (its OData page, contract/odata-operators).
DATETIME_OPERATORS: Final = ("dateTime", "afterTime", "beforeTime")
DATETIME_COLUMNS: Final = ("updated", "registered")
DELETED_DATE: Final = "deleteddate"

Predicate = Callable[[Record], bool]
_COMPARE: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "gt": operator.gt,
    "datetime": operator.eq,
    "aftertime": operator.gt,
    "beforetime": operator.lt,
}
_CANONICAL_OPERATOR: Final = {name.lower(): name for name in OPERATORS}
_COLUMN_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_TOKEN: Final = re.compile(
    r"\s*(?:"
    r"(?P<open>\()|(?P<close>\))"
    r"|'(?P<string>(?:[^']|'')*)'"
    r"|(?P<number>-?[0-9]+(?:\.[0-9]+)?)(?![A-Za-z0-9_.])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)"
    r")"
)


# -- columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    # As the query wrote it: the answer's key.
    name: str
    # "id", "datetime" or "field".
    kind: str
    # The datetime attribute (`updated`, `registered`, `deleteddate`) or the field's name.
    attribute: str = ""

    def value(self, record: Record) -> Any:
        """The raw value: the key, whole seconds since the epoch (None: a DeletedDate not
        set), or the field's value."""
        if self.kind == "id":
            return record.primary_key
        if self.kind == "datetime":
            if self.attribute == DELETED_DATE:
                return record.deleted_date
            return record.updated if self.attribute == "updated" else record.registered
        fields = record.fields
        if self.attribute in fields:
            return fields[self.attribute]
        lower = self.attribute.lower()
        return next((value for name, value in fields.items() if name.lower() == lower), None)

    def output(self, record: Record) -> Any:
        """The value as an archive answer writes it."""
        value = self.value(record)
        if self.kind != "datetime":
            return value
        return NOT_DELETED if value is None else format_timestamp(value)


def column(name: str, entity: str | None) -> tuple[str, Column]:
    """The entity and column `name` means; `entity` is the query's, when already known."""
    text = name.strip()
    if not _COLUMN_NAME.fullmatch(text):
        raise BadRequest(f"{name!r} is not a column such as contact.name")
    prefix, dot, rest = text.partition(".")
    if dot:
        if prefix.lower() not in ENTITIES:
            raise BadRequest(
                f"unknown entity {prefix!r} in {text!r} (one of {', '.join(ENTITIES)})"
            )
        if entity is not None and prefix.lower() != entity:
            raise BadRequest(f"{text!r} is not a column of {entity}: one entity per query")
        entity = prefix.lower()
    else:
        if entity is None:
            raise BadRequest(f"{text!r} needs its entity: {{entity}}.{{column}}, e.g. contact.name")
        rest = text
    lower = rest.lower()
    if lower == f"{entity}_id":
        return entity, Column(text, "id")
    if lower in DATETIME_COLUMNS or (lower == DELETED_DATE and entity in SOFT_DELETE_ENTITIES):
        return entity, Column(text, "datetime", lower)
    return entity, Column(text, "field", rest)


# -- $filter ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # open, close, string, number, word, end
    text: str
    position: int


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, end = 0, len(text.rstrip())
    while position < end:
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            rest = text[position:].strip()
            if rest.startswith("'"):
                raise BadRequest(f"unterminated string in $filter at position {position}")
            raise BadRequest(f"cannot read $filter at position {position}: {rest[:20]!r}")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = value.replace("''", "'")
        tokens.append(_Token(kind, value, match.start(kind)))
        position = match.end()
    tokens.append(_Token("end", "", end))
    return tokens


class _FilterParser:
    def __init__(self, text: str, entity: str) -> None:
        self._tokens = _tokens(text)
        self._index = 0
        self._entity = entity

    def parse(self) -> Predicate:
        predicate = self._disjunction()
        token = self._peek()
        if token.kind != "end":
            raise BadRequest(
                f"unexpected {token.text or token.kind!r} in $filter at {token.position}"
            )
        return predicate

    def _peek(self) -> _Token:
        return self._tokens[self._index]

    def _next(self) -> _Token:
        token = self._tokens[self._index]
        if token.kind != "end":
            self._index += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token.kind == "word" and token.text.lower() == word:
            self._index += 1
            return True
        return False

    def _disjunction(self) -> Predicate:
        parts = [self._conjunction()]
        while self._keyword("or"):
            parts.append(self._conjunction())
        if len(parts) == 1:
            return parts[0]
        return lambda record: any(part(record) for part in parts)

    def _conjunction(self) -> Predicate:
        parts = [self._term()]
        while self._keyword("and"):
            parts.append(self._term())
        if len(parts) == 1:
            return parts[0]
        return lambda record: all(part(record) for part in parts)

    def _term(self) -> Predicate:
        token = self._next()
        if token.kind == "open":
            inner = self._disjunction()
            closing = self._next()
            if closing.kind != "close":
                raise BadRequest(f"missing ')' in $filter at position {closing.position}")
            return inner
        if token.kind != "word" or token.text.lower() in {"and", "or"}:
            found = token.text or "the end"
            raise BadRequest(
                f"expected a column in $filter at position {token.position}, not {found!r}"
            )
        _, target = column(token.text, self._entity)
        op = self._next()
        if op.kind != "word":
            raise BadRequest(f"expected an operator after {token.text!r} in $filter")
        name = _CANONICAL_OPERATOR.get(op.text.lower())
        if name is None:
            raise BadRequest(
                f"unsupported operator {op.text!r} in $filter (one of {', '.join(OPERATORS)})"
            )
        literal = self._next()
        if literal.kind not in {"string", "number"}:
            found = literal.text or "the end"
            raise BadRequest(f"expected a value after {op.text!r} in $filter, not {found!r}")
        return _comparison(target, name, literal)


def _number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def _comparison(target: Column, name: str, literal: _Token) -> Predicate:
    compare = _COMPARE[name.lower()]
    timed = name in DATETIME_OPERATORS
    if target.kind == "id":
        if timed:
            raise BadRequest(f"{name} compares datetimes; {target.name} is the primary key")
        key = literal.text.strip()
        if not re.fullmatch(r"-?[0-9]+", key):
            raise BadRequest(f"{target.name} is an integer, not {literal.text!r}")
        number = int(key)
        return lambda record: compare(record.primary_key, number)
    if target.kind == "datetime":
        if not timed:
            raise BadRequest(
                f"{name} does not compare datetimes: {target.name} takes "
                f"{', '.join(DATETIME_OPERATORS)} (dateTime is equality)"
            )
        if literal.kind != "string":
            raise BadRequest(f"{target.name} is a datetime: quote it, e.g. '2026-11-01T10:00:05'")
        moment = _moment(literal.text)

        def at(record: Record) -> bool:
            value = target.value(record)
            # In ticks: '10:00:04.9999999' is before 10:00:05, exactly. Not set: no match.
            return value is not None and compare(value * TICKS_PER_SECOND, moment)

        return at
    if timed:
        if literal.kind != "string":
            raise BadRequest(f"{name} compares datetimes: quote the value")
        moment = _moment(literal.text)

        def after_or_before(record: Record) -> bool:
            value = target.value(record)
            try:
                return isinstance(value, str) and compare(parse_ticks(value), moment)
            except ValueError:
                return False

        return after_or_before
    value: int | float | str | None = literal.text
    if literal.kind == "number":
        value = _number(literal.text)
    return _field_comparison(target, name.lower(), value)


def _moment(text: str) -> int:
    try:
        return parse_ticks(text)
    except ValueError as error:
        raise BadRequest(str(error)) from None


def _field_comparison(target: Column, name: str, literal: int | float | str | None) -> Predicate:
    compare = _COMPARE[name]
    as_number = literal if isinstance(literal, int | float) else _number(str(literal))
    as_text = str(literal).casefold()

    def matches(record: Record) -> bool:
        value = target.value(record)
        if value is None:
            return name == "ne"
        if isinstance(value, int | float) and as_number is not None:
            return compare(value, as_number)
        return compare(str(value).casefold(), as_text)

    return matches


def parse_filter(text: str, entity: str) -> Predicate:
    """The records `text` selects; BadRequest (with what is wrong) when it cannot be read."""
    return _FilterParser(text, entity).parse()


# -- the whole query ----------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    entity: str
    select: tuple[Column, ...]
    where: Predicate | None
    # (column, descending)
    order: tuple[tuple[Column, bool], ...]
    top: int
    skip: int


def _whole(text: str | None, name: str, low: int, high: int | None, default: int) -> int:
    if text is None or not text.strip():
        return default
    value = text.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", value):
        raise BadRequest(f"{name} must be a whole number, not {text!r}")
    number = int(value)
    if number < low or (high is not None and number > high):
        limit = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"{name} must be {limit}, not {number}")
    return number


def parse_query(parameters: Mapping[str, str | None], entity: str | None = None) -> Query:
    """A query from its `$` parameters; `entity` when the path names it (`v1/Contact`).

    Without a path entity, the first `$select` column's prefix is the query's entity.
    """
    select_text = parameters.get("$select")
    if select_text is None or not select_text.strip():
        if entity is None:
            raise BadRequest("$select is required: e.g. contact.contact_id,contact.updated")
        select_text = f"{entity}_id,updated,registered"
    selected = []
    for part in select_text.split(","):
        if not part.strip():
            raise BadRequest(f"empty column in $select {select_text!r}")
        entity, chosen = column(part, entity)
        selected.append(chosen)
    assert entity is not None
    where = None
    filter_text = parameters.get("$filter")
    if filter_text is not None and filter_text.strip():
        where = parse_filter(filter_text, entity)
    order = []
    order_text = parameters.get("$orderby")
    if order_text is not None and order_text.strip():
        for part in order_text.split(","):
            words = part.split()
            if not words:
                raise BadRequest(f"empty column in $orderby {order_text!r}")
            if len(words) > 2 or (len(words) == 2 and words[1].lower() not in {"asc", "desc"}):
                raise BadRequest(f"$orderby takes 'column [asc|desc]', not {part.strip()!r}")
            _, chosen = column(words[0], entity)
            order.append((chosen, len(words) == 2 and words[1].lower() == "desc"))
    return Query(
        entity=entity,
        select=tuple(selected),
        where=where,
        order=tuple(order),
        top=_whole(parameters.get("$top"), "$top", 1, MAX_TOP, DEFAULT_TOP),
        skip=_whole(parameters.get("$skip"), "$skip", 0, None, 0),
    )


def _sort_key(target: Column) -> Callable[[Record], Any]:
    if target.kind == "id":
        return target.value
    if target.kind == "datetime":
        # A DeletedDate not set sorts first, as SQL Server sorts nulls.
        return lambda record: (0, 0) if (value := target.value(record)) is None else (1, value)

    def key(record: Record) -> tuple[int, Any]:
        value = target.value(record)
        # Nulls first, as SQL Server sorts them; then numbers, then text.
        if value is None:
            return (0, 0)
        if isinstance(value, int | float):
            return (1, value)
        return (2, str(value).casefold())

    return key


def run_query(query: Query, records: Mapping[int, Record]) -> list[dict[str, Any]]:
    """The answer's rows: `PrimaryKey`, `EntityName` and the selected columns."""
    found: Iterable[Record] = (records[key] for key in sorted(records))
    if query.where is not None:
        found = filter(query.where, found)
    ordered = list(found)
    # Stable sorts from the last key to the first; ties stay in primary-key order.
    for target, descending in reversed(query.order):
        ordered.sort(key=_sort_key(target), reverse=descending)
    page = ordered[query.skip : query.skip + query.top]
    return [
        {
            "PrimaryKey": record.primary_key,
            "EntityName": query.entity,
            **{chosen.name: chosen.output(record) for chosen in query.select},
        }
        for record in page
    ]
