"""`python -m local smoke`: checks of a running stack, deployed or local, from outside.

No tenant and no secret is needed or sent: every check uses what any visitor can reach
(the session JWKS, the install redirect, forged deliveries that must be refused, an
unknown route, the pages' TLS and headers). `checks.run_checks` yields one result per
check; `commands/smoke.py` prints them and sets the exit code.
"""
