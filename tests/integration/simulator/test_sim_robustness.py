"""Whatever a client sends, the simulator answers with JSON (or its HTML pages), never a 500."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sim_driver import SystemUserDriver

from local.simulator import RunningSimulator

pytestmark = pytest.mark.integration

TARGETS = [
    ("POST", "/login/common/oauth/tokens", "application/x-www-form-urlencoded"),
    ("POST", "/login/common/oauth/authorize", "application/x-www-form-urlencoded"),
    ("POST", "/Login/api/PartnerSystemUser/Authenticate", "application/json"),
    ("PUT", "/sod2/Cust10001/api/v1/Contact/UdefLayout", "application/json"),
    ("POST", "/sod2/Cust10001/api/v1/List", "application/json"),
    ("POST", "/sod2/Cust10001/api/v1/List/100/Items", "application/json"),
    ("POST", "/sod2/Cust10001/api/v1/List/WebPanel/Items", "application/json"),
    ("PUT", "/sod2/Cust10001/api/v1/List/WebPanel/Items/1", "application/json"),
    ("POST", "/_control/tenants/Cust10001/faults", "application/json"),
    ("PUT", "/_control/tenants/Cust10001/state", "application/json"),
    ("POST", "/_control/apps", "application/json"),
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["Name", "FieldLabel", "FieldType", "ProgId", "status", "count", "x"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=8,
)
bodies = st.one_of(
    st.binary(max_size=64),
    json_values.map(lambda value: httpx.Request("POST", "/", json=value).content),
    st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=4).map(
        lambda form: httpx.Request("POST", "/", data=form).content
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(target=st.sampled_from(TARGETS), body=bodies)
def test_no_input_makes_the_simulator_fail(
    client: httpx.Client,
    simulator: RunningSimulator,
    system_user: SystemUserDriver,
    target: tuple[str, str, str],
    body: bytes,
) -> None:
    method, path, content_type = target
    # Each example from the seed: an earlier one may have queued a fault or moved a tenant.
    state = simulator.state
    state.reset()
    headers = {"Content-Type": content_type}
    if "/api/v1/" in path:
        token = state.approve("Cust10001", state.default_client_id())
        headers.update(system_user.headers(system_user.ticket("Cust10001", token)))
    answer = client.request(method, path, content=body, headers=headers)
    assert answer.status_code < 500, answer.text
    assert answer.headers["content-type"].split(";")[0] in {"application/json", "text/html"}
    assert "Traceback" not in answer.text
