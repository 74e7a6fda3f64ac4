"""`make demo`: a tenant's lifecycle driven through the local stack over real HTTP.

`run_demo(app_url, simulator_url)` runs `STEPS` (install through SuperID, the management
page, the items in SuperOffice, uninstall, nothing left) and prints one line per step;
`demo_stack(...)` finds a running stack or starts one. The e2e tests run the same steps
against the stack they start.
"""

from local.demo.run import DemoResult, run_demo, run_steps
from local.demo.session import DEMO_TENANT, DemoSession, Step, StepFailed
from local.demo.stack import StackUnavailable, StackUrls, demo_stack, is_healthy
from local.demo.steps import STEPS

__all__ = [
    "DEMO_TENANT",
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
