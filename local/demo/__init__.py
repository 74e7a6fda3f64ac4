"""`make demo`: a tenant's lifecycle driven through the local stack over real HTTP.

`run_demo(app_url, simulator_url)` runs `STEPS` and prints one line per step: install for
Cust10001 through SuperID, the management page, the items in SuperOffice; the scheduled
sync into the records mirror and onto the event bus; then a second tenant (Cust10002),
installed the same way, through SuperOffice's changes (suspend, resume, move, backup
restored, a record changed through the webhook, delete); finally Cust10001's uninstall,
nothing left. `demo_stack(...)` finds a running stack or starts one. The e2e tests run
the same steps against the stack they start.
"""

from local.demo.failures import StepFailed
from local.demo.run import DemoResult, run_demo, run_steps
from local.demo.session import DEMO_TENANT, LIFECYCLE_TENANT, DemoSession, Step
from local.demo.stack import StackUnavailable, StackUrls, demo_stack, is_healthy
from local.demo.steps import STEPS

__all__ = [
    "DEMO_TENANT",
    "LIFECYCLE_TENANT",
    "STEPS",
    "DemoResult",
    "DemoSession",
    "StackUnavailable",
    "StackUrls",
    "Step",
    "StepFailed",
    "demo_stack",
    "is_healthy",
    "run_demo",
    "run_steps",
]
