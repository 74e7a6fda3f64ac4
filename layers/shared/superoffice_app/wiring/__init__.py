"""The composition root: every function's settings and object graph, built in one place.

- ``settings``: one typed settings object per function, read from the environment once
  at cold start; a missing or wrong setting fails with one message naming it
  (``ConfigError``);
- ``tenant_access``: what every function that calls a tenant shares (the tenant store,
  the app's secrets, SuperOffice's keys, the state API, tickets, the tenant REST API);
- ``onboarding``, ``notifications``, ``confirm``, ``sync``, ``relay``, ``authorizer``:
  each function's graph, built from its settings and from clients handed in (tests) or
  made with ``aws_clients.client`` (Lambda).

A handler imports its graph from here and does nothing else at module level. Feature
packages (onboarding, lifecycle, sync) never build each other's objects: only this
package knows them all. Importing this package imports none of its modules, so the
authorizer pays only for ``wiring.authorizer``.
"""
