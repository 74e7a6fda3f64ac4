"""Archive queries against the documented database: columns and `$filter` operators.

`GET {Api}/v1/Archive/dynamic` names columns `table.field` (the `dynamic` provider's names,
those of SuperOffice's database reference); the entity archives (`v1/Contact`, ...) may
leave the table out. Every column of `$select`, `$orderby` and `$filter` must be a field
of its table, and every `$filter` operator one SuperOffice documents for that field's
type (`contract/odata-operators.json`). Field and operator names compare without regard
to case, as SuperOffice's SQL names and OData keywords do.

The filter is only scanned for `column operator` pairs here; whether the simulator can
evaluate it is `queries`' business.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from local.simulator.contract_spec import Contract, Field, Operation

_ENTITY_ARCHIVE: Final = re.compile(r"v1(?P<entity>[A-Za-z]+)Entity_GetAll")
_DYNAMIC_ARCHIVE: Final = "v1Archive_GetArchive_GET"
_DYNAMIC_PROVIDER: Final = "dynamic"
_KEYWORDS: Final = frozenset({"and", "or", "not"})
_TOKEN: Final = re.compile(
    r"\s*(?:"
    r"(?P<open>\()|(?P<close>\))|(?P<comma>,)"
    r"|'(?P<string>(?:[^']|'')*)'"
    r"|(?P<number>[-+]?[0-9]+(?:\.[0-9]+)?)(?![A-Za-z0-9_.])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)"
    r")"
)


@dataclass(frozen=True)
class ArchiveProblem:
    # "archive-column", "archive-operator" or "archive-filter".
    rule: str
    message: str


def archive_table(operation: Operation, path_parameters: Mapping[str, str]) -> str | None:
    """The table whose columns bare names mean: the entity archive's; "" for the dynamic
    archive (columns carry their table); None when `operation` is no archive query we check."""
    entity = _ENTITY_ARCHIVE.fullmatch(operation.operation_id)
    if entity is not None:
        return entity.group("entity").lower()
    if operation.operation_id == _DYNAMIC_ARCHIVE:
        provider = path_parameters.get("archiveProviderName", "")
        return "" if provider.lower() == _DYNAMIC_PROVIDER else None
    return None


def archive_problems(
    contract: Contract, table: str, query: Mapping[str, str]
) -> Iterator[ArchiveProblem]:
    """Everything wrong with the query's columns and operators (`query`: lower-case names)."""
    select = query.get("$select")
    if select:
        for name in _names(select):
            yield from _column(contract, table, name, "$select")[1]
    order = query.get("$orderby")
    if order:
        for part in _names(order):
            words = part.split()
            if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
                yield ArchiveProblem("archive-column", f"$orderby: cannot read {part!r}")
                continue
            yield from _column(contract, table, words[0], "$orderby")[1]
    where = query.get("$filter")
    if where:
        yield from _filter(contract, table, where)


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _column(
    contract: Contract, table: str, name: str, where: str
) -> tuple[Field | None, list[ArchiveProblem]]:
    prefix, dot, rest = name.partition(".")
    if not dot:
        if not table:
            return None, [
                ArchiveProblem("archive-column", f"{where}: {name!r} needs its table (table.field)")
            ]
        prefix, rest = table, name
    elif table and prefix.lower() != table:
        return None, [
            ArchiveProblem("archive-column", f"{where}: {name!r} is not a column of {table}")
        ]
    fields = contract.table(prefix)
    if fields is None:
        known = ", ".join(sorted(contract.tables))
        return None, [
            ArchiveProblem(
                "archive-column",
                f"{where}: {name!r}: {prefix!r} is not one of the contract's tables ({known})",
            )
        ]
    found = fields.get(rest.lower())
    if found is None:
        return None, [
            ArchiveProblem(
                "archive-column",
                f"{where}: {name!r}: the {prefix.lower()} table has no field {rest!r}",
            )
        ]
    return found, []


def _filter(contract: Contract, table: str, text: str) -> Iterator[ArchiveProblem]:
    tokens = _tokens(text)
    if tokens is None:
        yield ArchiveProblem("archive-filter", f"$filter: cannot read {text!r}")
        return
    index, depth = 0, 0
    expect_term = True
    while index < len(tokens):
        kind, value = tokens[index]
        if expect_term:
            if kind == "open":
                depth += 1
                index += 1
                continue
            if kind == "word" and value.lower() == "not":
                index += 1
                continue
            if kind != "word" or value.lower() in _KEYWORDS:
                yield ArchiveProblem("archive-filter", f"$filter: expected a column at {value!r}")
                return
            if index + 1 >= len(tokens) or tokens[index + 1][0] != "word":
                yield ArchiveProblem(
                    "archive-filter", f"$filter: {value!r} has no operator after it"
                )
                return
            operator = tokens[index + 1][1]
            found, problems = _column(contract, table, value, "$filter")
            yield from problems
            if found is not None and operator.lower() not in found.operators:
                yield ArchiveProblem(
                    "archive-operator",
                    f"$filter: {operator!r} is not an operator SuperOffice documents for "
                    f"{value} ({found.type}); documented: {', '.join(found.operators.values())}",
                )
            index = _after_value(tokens, index + 2)
            expect_term = False
            continue
        if kind == "close" and depth > 0:
            depth -= 1
            index += 1
            continue
        if kind == "word" and value.lower() in ("and", "or"):
            expect_term = True
            index += 1
            continue
        yield ArchiveProblem("archive-filter", f"$filter: unexpected {value!r}")
        return
    if expect_term or depth:
        yield ArchiveProblem("archive-filter", f"$filter: {text!r} ends too early")


def _after_value(tokens: list[tuple[str, str]], index: int) -> int:
    """The index after an operator's value: none (unary operators), a literal, a bare
    word, or a parenthesised list."""
    if index >= len(tokens):
        return index
    kind, value = tokens[index]
    if kind in ("string", "number"):
        return index + 1
    if kind == "word" and value.lower() not in _KEYWORDS:
        return index + 1
    if kind == "open":
        # A value list, e.g. oneOf(1,2,3) or between('a','b'): up to its closing bracket.
        depth = 0
        while index < len(tokens):
            if tokens[index][0] == "open":
                depth += 1
            elif tokens[index][0] == "close":
                depth -= 1
                if depth == 0:
                    return index + 1
            index += 1
    return index


def _tokens(text: str) -> list[tuple[str, str]] | None:
    tokens: list[tuple[str, str]] = []
    position, end = 0, len(text.rstrip())
    while position < end:
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            return None
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens
