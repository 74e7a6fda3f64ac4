"""Plain, accessible HTML for the pages an administrator sees.

No template engine: a handful of pages built from small functions, every value escaped
by `esc`. The layout is one column, readable on a phone, with system fonts and enough
contrast; headings, landmarks and labelled controls for screen readers.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

# The partner's app name (provisioning.json's `app_name`), set once at cold start.
_app_name = "SuperOffice partner app"


def set_app_name(name: str) -> None:
    global _app_name  # noqa: PLW0603 - configuration written once at cold start
    _app_name = name


def app_name() -> str:
    return _app_name


_STYLE = """
:root { color-scheme: light; --ink: #1d2733; --muted: #52606d; --line: #d9e2ec;
  --accent: #0b5cad; --danger: #b42318; --ok: #16794c; --bg: #f7f9fb; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 48rem; margin: 0 auto; padding: 1rem; }
header { border-bottom: 1px solid var(--line); background: #fff; max-width: none; }
header p { max-width: 46rem; margin: 0 auto; font-weight: 600; }
h1 { font-size: 1.6rem; margin: 1rem 0 .5rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
section > h2:first-child { margin-top: 0; }
section { background: #fff; border: 1px solid var(--line); border-radius: .5rem;
  padding: 1rem; margin: 1rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: break-word; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; overflow-wrap: break-word; }
td.nowrap, th.nowrap { white-space: nowrap; }
@media (max-width: 32rem) {
  table.stack thead { position: absolute; left: -9999px; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table.stack td { display: block; border: 0; padding: .1rem .5rem; }
  table.stack td::before { content: attr(data-label) ": "; color: var(--muted); }
}
.status { display: inline-block; padding: .1rem .6rem; border-radius: 1rem;
  background: #e4e7eb; font-weight: 600; }
.status-active { background: #def7ec; color: var(--ok); }
.status-install_failed, .status-revoked { background: #fde8e8; color: var(--danger); }
.status-sync-on { background: #def7ec; color: var(--ok); }
.status-sync-paused { background: #fff4e5; color: #8a4b00; }
.notice { border-left: 4px solid var(--accent); }
.problem { border-left: 4px solid var(--danger); }
.button { display: inline-block; font: inherit; padding: .6rem 1.2rem; border-radius: .4rem;
  border: 1px solid var(--accent); background: var(--accent); color: #fff;
  text-decoration: none; cursor: pointer; }
.button-danger { background: var(--danger); border-color: var(--danger); }
.button-quiet { background: #fff; color: var(--accent); }
small, .muted { color: var(--muted); }
@media (max-width: 32rem) { dl { grid-template-columns: 1fr; } dt { margin-top: .5rem; } }
"""


def esc(value: object) -> str:
    """Escape any value for HTML text or a double-quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, *, correlation_id: str | None = None) -> str:
    """A complete HTML document around `body` (already-escaped HTML)."""
    footer = (
        f"<footer><small>Correlation id: <code>{esc(correlation_id)}</code> "
        "(quote it when you contact support)</small></footer>"
        if correlation_id
        else ""
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)} · {esc(_app_name)}</title><style>{_STYLE}</style></head>"
        f'<body><header><p>{esc(_app_name)}</p></header><main id="main">'
        f"<h1>{esc(title)}</h1>{body}</main>{footer}</body></html>\n"
    )


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{esc(text)}</p>" for text in texts if text)


def definition_list(rows: Iterable[tuple[str, object]]) -> str:
    items = "".join(f"<dt>{esc(term)}</dt><dd>{esc(value)}</dd>" for term, value in rows)
    return f"<dl>{items}</dl>"


def table(caption: str, headings: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> str:
    """A table that turns into labelled stacked rows on a phone."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headings)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{esc(label)}">{esc(cell)}</td>'
            for label, cell in zip(headings, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    if not body:
        body = f'<tr><td colspan="{len(headings)}">None.</td></tr>'
    return (
        f'<table class="stack"><caption class="muted">{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def link_button(href: str, label: str, *, quiet: bool = False) -> str:
    css = "button button-quiet" if quiet else "button"
    return f'<a class="{css}" href="{esc(href)}">{esc(label)}</a>'


def status_badge(status: str) -> str:
    return f'<span class="status status-{esc(status)}">{esc(status.replace("_", " "))}</span>'
