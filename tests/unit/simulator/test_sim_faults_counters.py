"""Fault rules, request counters, the router's rest-of-path parameter, ValidUntil's format."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from local.simulator.counters import RequestCounters
from local.simulator.faults import Fault, FaultQueue
from local.simulator.routing import BadRequest, Request, Response, Router
from local.simulator.state_api import format_valid_until


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"count": 2},
        {"status": 200},
        {"status": "503"},
        {"status": 503, "count": 0},
        {"status": 503, "count": True},
        {"retryAfter": 5, "delaySeconds": 1},
        {"status": 429, "retryAfter": [5]},
        {"delaySeconds": -1},
        {"delaySeconds": 61},
        {"drop": True, "status": 503},
        {"drop": "yes"},
        {"status": 503, "method": "GET /"},
        {"status": 503, "pathContains": ""},
    ],
)
def test_senseless_faults_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(BadRequest):
        Fault.from_json(data)


def test_faults_apply_in_order_to_matching_requests_and_run_out() -> None:
    queue = FaultQueue()
    queue.add(Fault.from_json({"status": 429, "retryAfter": 2, "count": 2, "method": "post"}))
    queue.add(Fault.from_json({"drop": True, "pathContains": "/v1/list"}))
    assert queue.pending()[0]["retryAfter"] == "2"

    first = queue.take("POST", "/api/v1/Contact/UdefLayout")
    assert first is not None
    assert first.status == 429
    dropped = queue.take("GET", "/api/v1/List")
    assert dropped is not None
    assert dropped.drop
    assert queue.take("GET", "/api/v1/List") is None
    second = queue.take("POST", "/api/v1/List")
    assert second is not None
    assert second.status == 429
    assert queue.take("POST", "/api/v1/List") is None
    assert queue.pending() == []


def test_counters_by_area_path_and_status() -> None:
    counters = RequestCounters(threading.RLock())
    counters.record("Cust10001", "rest", "get", "/api/v1/List", 200)
    counters.record("Cust10001", "rest", "GET", "/api/v1/List", 429)
    counters.record("Cust10001", "systemUser", "POST", "/Login/api/x", 200)
    counters.record("Cust10001", "rest", "GET", "/api/v1/List", 0)
    assert counters.snapshot("Cust10001") == {
        "total": 4,
        "byArea": {"rest": 3, "systemUser": 1},
        "byPath": {"GET /api/v1/List": 3, "POST /Login/api/x": 1},
        "byStatus": {"200": 2, "429": 1, "dropped": 1},
    }
    assert counters.snapshot("Cust10002")["total"] == 0
    with pytest.raises(ValueError, match="unknown area"):
        counters.record("Cust10001", "elsewhere", "GET", "/", 200)
    counters.reset("Cust10001")
    assert counters.all() == {}


def test_rest_of_path_parameters_stay_encoded() -> None:
    router: Router = Router()

    def handler(request: Request) -> Response:
        return Response.json(dict(request.path_parameters))

    router.add("GET", "/{host}/{ctx}/api/{rest*}", handler)
    _, parameters = router.match("GET", "/sod2/Cust1/API/v1/Preference/a%2Fb/k/Database")
    assert parameters == {"host": "sod2", "ctx": "Cust1", "rest": "v1/Preference/a%2Fb/k/Database"}


def test_valid_until_has_seven_fractional_digits() -> None:
    text = format_valid_until(1_771_840_321.9342965)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", text)
    assert text.startswith("2026-02-23T09:52:01.93429")
    assert format_valid_until(0.99999999) == "1970-01-01T00:00:00.9999999Z"
