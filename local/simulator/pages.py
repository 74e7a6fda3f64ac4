"""The HTML pages of the simulator's SuperID: sign-in and consent, errors, form_post.

Plain, accessible HTML: one heading per page, every control labelled, grouped in
fieldsets, readable on a phone (viewport meta, fluid width, large touch targets), and
working without JavaScript (the form_post page has a visible button in <noscript>).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

_STYLE: Final = """
body { font-family: system-ui, sans-serif; margin: 0; padding: 1rem; line-height: 1.5;
       color: #1a1a1a; background: #f6f7f9; }
main { max-width: 32rem; margin: 0 auto; background: #fff; padding: 1rem 1.25rem;
       border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
h1 { font-size: 1.4rem; margin-top: 0; }
fieldset { border: 1px solid #c8ccd2; border-radius: 6px; margin: 0 0 1rem; padding: .5rem 1rem; }
legend { font-weight: 600; padding: 0 .25rem; }
label { display: block; padding: .5rem 0; cursor: pointer; }
input[type=radio] { width: 1.2rem; height: 1.2rem; vertical-align: middle; margin-right: .5rem; }
.buttons { display: flex; gap: .75rem; flex-wrap: wrap; }
button { font-size: 1rem; padding: .7rem 1.4rem; border-radius: 6px; border: 1px solid #1d4f91;
         cursor: pointer; min-width: 8rem; }
button.allow { background: #1d4f91; color: #fff; }
button.deny { background: #fff; color: #1d4f91; }
button:focus-visible, input:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.note { color: #4a4f57; font-size: .9rem; }
.error { color: #a10000; }
code { overflow-wrap: anywhere; }
"""


@dataclass(frozen=True)
class TenantChoice:
    ctx: str
    company_name: str
    is_sandbox: bool


@dataclass(frozen=True)
class UserChoice:
    associate_id: int
    name: str
    is_administrator: bool


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _hidden(fields: Iterable[tuple[str, str]]) -> str:
    return "\n".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in fields
    )


def consent_page(
    *,
    app_name: str,
    client_id: str,
    action: str,
    hidden: Sequence[tuple[str, str]],
    tenants: Sequence[TenantChoice],
    selected_ctx: str | None,
    users: Sequence[UserChoice],
) -> str:
    """Pick tenant and user, then Allow or Deny; posts back to `action`."""
    tenant_inputs = "\n".join(
        f'<label><input type="radio" name="tenant" value="{escape(t.ctx)}" required'
        f"{' checked' if t.ctx == selected_ctx else ''}> {escape(t.company_name)} "
        f"({escape(t.ctx)}{', sandbox' if t.is_sandbox else ''})</label>"
        for t in tenants
    )
    user_inputs = "\n".join(
        f'<label><input type="radio" name="user" value="{u.associate_id}" required'
        f"{' checked' if index == 0 else ''}> {escape(u.name)} "
        f"({'administrator' if u.is_administrator else 'user'}, associate {u.associate_id})"
        "</label>"
        for index, u in enumerate(users)
    )
    body = f"""<h1>Sign in to SuperOffice</h1>
<p><strong>{escape(app_name)}</strong> (client id <code>{escape(client_id)}</code>) asks to
sign you in. An administrator who allows it also approves the app for the tenant.</p>
<form method="post" action="{escape(action)}">
{_hidden(hidden)}
<fieldset>
<legend>Tenant</legend>
{tenant_inputs}
</fieldset>
<fieldset>
<legend>Sign in as</legend>
{user_inputs}
</fieldset>
<div class="buttons">
<button type="submit" name="decision" value="allow" class="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="deny">Deny</button>
</div>
</form>
<p class="note">SuperOffice simulator: no password is needed.</p>"""
    return _page("Sign in to SuperOffice", body)


def error_page(title: str, message: str) -> str:
    body = f'<h1>{escape(title)}</h1>\n<p class="error" role="alert">{escape(message)}</p>'
    return _page(title, body)


def form_post_page(action: str, fields: Sequence[tuple[str, str]]) -> str:
    """`response_mode=form_post`: a form that submits itself to the app's redirect URI."""
    body = f"""<h1>Returning to the application</h1>
<form method="post" action="{escape(action)}">
{_hidden(fields)}
<noscript><p>JavaScript is off: continue by hand.</p>
<button type="submit" class="allow">Continue</button></noscript>
</form>
<script>document.forms[0].submit();</script>"""
    return _page("Returning to the application", body)
