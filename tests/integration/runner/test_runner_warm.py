"""The stack keeps execution environments warm, as Lambda does: reused, never shared.

Two tenants' administrators take turns through the same environments: each sees only
its own tenant, and the module-level caches (the authorizer's session keys) are read
once for all of them.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest

from local import defaults
from local.runner import RunningStack, StackPorts, start_local_stack
from local.runner.session_keys import new_session_key_ring_json
from local.runner.sqs_event_source import sqs_record
from tests.integration.runner.runner_browser import RunnerBrowser, install

pytestmark = pytest.mark.integration


@dataclass
class Warm:
    stack: RunningStack
    logs: list[str]
    browsers: dict[str, RunnerBrowser]


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warm]:
    logs: list[str] = []
    browsers = {ctx: RunnerBrowser() for ctx in ("Cust10001", "Cust10002")}
    with start_local_stack(
        ports=StackPorts.free(),
        state_dir=tmp_path_factory.mktemp("warm-state"),
        persistent=False,
        event_sources=False,
        write_stack_json=False,
        log=logs.append,
        warm=True,
    ) as stack:
        for ctx, browser in browsers.items():
            done = install(browser, stack.app_url, ctx=ctx)
            assert done.status_code == 303, done.text
        yield Warm(stack, logs, browsers)
    for browser in browsers.values():
        browser.close()


def jwks_fetches(warm: Warm) -> list[str]:
    return [line for line in warm.logs if line.startswith("GET /.well-known/jwks.json ")]


def management(warm: Warm, browser_of: str, ctx: str) -> httpx.Response:
    return warm.browsers[browser_of].get(f"{warm.stack.app_url}/tenants/{ctx}?format=json")


def test_two_tenants_through_one_environment_each_see_only_their_own(warm: Warm) -> None:
    companies = {}
    for ctx in ("Cust10001", "Cust10002", "Cust10001", "Cust10002"):
        answer = management(warm, ctx, ctx)
        assert answer.status_code == 200, answer.text
        view = answer.json()
        assert view["ctx"] == ctx
        companies.setdefault(ctx, set()).add(view["company_name"])
    assert companies == {
        "Cust10001": {"Nordlys Consulting AS"},
        "Cust10002": {"Fjellvik Trading AB"},
    }
    # Right after the other tenant's request in the same environment: still refused.
    assert management(warm, "Cust10001", "Cust10002").status_code == 403
    assert management(warm, "Cust10002", "Cust10001").status_code == 403
    runner = warm.stack.runner
    assert runner.pool("RedirectCallbackFunction").started == 1
    assert runner.pool("TokenValidationFunction").started == 1


def test_the_authorizer_reads_the_session_keys_once_for_every_request(warm: Warm) -> None:
    for _ in range(3):
        assert management(warm, "Cust10001", "Cust10001").status_code == 200
    assert len(jwks_fetches(warm)) == 1


def test_the_log_reports_init_duration_only_when_an_environment_starts(warm: Warm) -> None:
    reports = [line for line in warm.logs if line.startswith("[RedirectCallbackFunction] REPORT ")]
    assert len(reports) > 2
    assert sum("Init Duration" in line for line in reports) == 1


# The authorizer asks the JWKS route again for an unknown key at most once per cooldown.
KEY_REFRESH_COOLDOWN_SECONDS = 30


def test_a_rotated_session_key_is_fetched_by_the_warm_authorizer(warm: Warm) -> None:
    assert management(warm, "Cust10001", "Cust10001").status_code == 200
    first_fetch = time.monotonic()  # at most: the fetch happened on an earlier request
    stack = warm.stack
    secrets = boto3.client(
        "secretsmanager",
        endpoint_url=stack.moto_endpoint,
        region_name=stack.template.names.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    name = defaults.template_parameters(signing_certificate="")["SessionKeySecretName"]
    current = json.loads(secrets.get_secret_value(SecretId=name)["SecretString"])
    rotated = json.loads(new_session_key_ring_json())
    # The new key signs from now on; the old one still verifies the sessions issued.
    ring = {"keys": rotated["keys"] + current["keys"]}
    secrets.put_secret_value(SecretId=name, SecretString=json.dumps(ring))
    # A new environment of the callback function reads the rotated ring (a warm one
    # would after its secrets cache expires); the authorizer's stays warm.
    stack.runner.pool("RedirectCallbackFunction").close()
    browser = warm.browsers["Cust10001"]
    done = install(browser, stack.app_url, ctx="Cust10001")
    assert done.status_code == 303, done.text
    session = browser.cookies_for(stack.app_url)["__Host-so_session"]
    header = json.loads(_b64(session.split(".")[0]))
    assert header["kid"] == rotated["keys"][0]["kid"]
    time.sleep(max(0.0, first_fetch + KEY_REFRESH_COOLDOWN_SECONDS + 1 - time.monotonic()))
    fetched_before = len(jwks_fetches(warm))
    assert management(warm, "Cust10001", "Cust10001").status_code == 200
    assert len(jwks_fetches(warm)) == fetched_before + 1
    assert stack.runner.pool("TokenValidationFunction").started == 1


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


WORKER = "SyncWorkerFunction"


def sync_now(warm: Warm, ctx: str) -> dict[str, Any]:
    """One SQS delivery of a sync message to the worker, as its event source makes it."""
    names = warm.stack.template.names
    record = sqs_record(
        {
            "MessageId": str(uuid.uuid4()),
            "ReceiptHandle": "local",
            "Body": json.dumps({"kind": "sync", "ctx": ctx, "reason": "manual"}),
            "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
        },
        queue_arn=f"arn:aws:sqs:{names.region}:123456789012:sync",
        region=names.region,
    )
    outcome = warm.stack.invoke(WORKER, {"Records": [record]})
    assert outcome.ok, outcome.payload
    payload: dict[str, Any] = outcome.payload
    return payload


def active_tickets(warm: Warm, ctx: str) -> int:
    answer = httpx.get(f"{warm.stack.simulator_url}/_control/tenants/{ctx}", timeout=10)
    count: int = answer.json()["apps"][0]["activeTickets"]
    return count


def test_the_warm_worker_reuses_the_ticket_and_renews_it_once_refused(warm: Warm) -> None:
    exchanged = active_tickets(warm, "Cust10002")  # the install's exchange
    assert exchanged >= 1
    for _ in range(2):
        assert sync_now(warm, "Cust10002") == {"batchItemFailures": []}
    assert active_tickets(warm, "Cust10002") == exchanged  # no new credentials row
    # SuperOffice ends the tickets: the next request is refused, and one exchange follows.
    httpx.delete(f"{warm.stack.simulator_url}/_control/tenants/Cust10002/tickets", timeout=10)
    assert active_tickets(warm, "Cust10002") == 0
    assert sync_now(warm, "Cust10002") == {"batchItemFailures": []}
    assert active_tickets(warm, "Cust10002") == 1
    assert warm.stack.runner.pool(WORKER).started == 1
