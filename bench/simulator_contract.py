"""What the simulator's contract check costs per request (issue 12, section 2).

The same requests, over HTTP to an in-process simulator, with the check `off` and in
`report` mode (`enforce` costs the same for a request that passes: the same checks run),
rounds interleaved so that both modes see the same machine load. The requests are the
app's kinds: a small GET, a list, an archive page of 500 rows (the answer validated row by
row), a JSON body (a web panel) and a whole UdefLayout. Beside them, the check alone
(`check_request` + `check_response`, no HTTP), for where the time goes.

Results go to bench/results/simulator_contract.{json,md}; nothing here asserts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
CTX = "Cust10001"
ARCHIVE_ROWS = 500


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    path: str
    params: dict[str, str] | None = None
    body: Any = None


def _calls(api: str, layout: list[dict[str, Any]]) -> list[Call]:
    panel = {
        "Name": "Bench panel",
        "ProgId": "Bench:Panel",
        "Url": "https://bench.example.com/panel?ctx=<uctx>",
        "VisibleIn": "ContactCard",
    }
    archive = {
        "$select": "contact.contact_id,contact.updated,contact.registered,contact.name",
        "$filter": "contact.contact_id gt 0",
        "$orderby": "contact.contact_id",
        "$top": str(ARCHIVE_ROWS),
    }
    return [
        Call("GET currentPrincipal", "GET", f"{api}/v1/User/currentPrincipal"),
        Call("GET List", "GET", f"{api}/v1/List"),
        Call(
            f"GET Archive/dynamic ({ARCHIVE_ROWS} rows)",
            "GET",
            f"{api}/v1/Archive/dynamic",
            archive,
        ),
        Call("PUT web panel (JSON body)", "PUT", f"{api}/v1/List/WebPanel/Items/1", body=panel),
        Call("PUT Contact/UdefLayout", "PUT", f"{api}/v1/Contact/UdefLayout", body=layout),
    ]


def _time(call: Call, http: httpx.Client, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = http.request(call.method, call.path, params=call.params, json=call.body)
        samples.append((time.perf_counter() - started) * 1e6)
        if answer.status_code >= 300:
            raise RuntimeError(f"{call.name}: {answer.status_code} {answer.text[:300]}")
    return samples


def _measure_http(quick: bool) -> dict[str, Any]:
    from local.simulator import start_simulator

    rounds, repeat = (3, 10) if quick else (8, 25)
    with tempfile.TemporaryDirectory(prefix="bench-contract-") as directory:
        simulator = start_simulator(
            port=0, state_dir=Path(directory), log=lambda _line: None, contract_mode="report"
        )
        try:
            state = simulator.state
            ticket = state.tickets.issue(CTX, state.default_client_id())
            state.approve(CTX, state.default_client_id())
            app = state.app(state.default_client_id())
            assert app is not None
            headers = {
                "Authorization": f"SOTicket {ticket.value}",
                "SO-AppToken": app.client_secret,
                "Accept": "application/json",
            }
            with httpx.Client(
                base_url=simulator.base_url, headers=headers, timeout=60, trust_env=False
            ) as http:
                http.post(
                    f"/_control/tenants/{CTX}/records/contact/bulk", json={"count": ARCHIVE_ROWS}
                ).raise_for_status()
                api = f"/{state.tenant(CTX).host}/{CTX}/api"
                http.post(
                    f"{api}/v1/List/WebPanel/Items",
                    json={"Name": "Bench panel", "Url": "https://x", "VisibleIn": "ContactCard"},
                ).raise_for_status()
                layout = http.get(f"{api}/v1/Contact/UdefLayout").json()
                calls = _calls(api, layout)
                samples: dict[str, dict[str, list[float]]] = {
                    call.name: {"off": [], "report": []} for call in calls
                }
                for call in calls:  # warm up both paths (imports, caches)
                    for mode in ("report", "off"):
                        state.contract.mode = mode
                        _time(call, http, 3)
                for _ in range(rounds):
                    for mode in ("off", "report"):
                        state.contract.mode = mode
                        for call in calls:
                            samples[call.name][mode] += _time(call, http, repeat)
                refusals = state.contract.to_json()["total"]
        finally:
            simulator.stop()
    results = {}
    for name, by_mode in samples.items():
        off, report = (statistics.median(by_mode[mode]) for mode in ("off", "report"))
        results[name] = {
            "off_us": round(off),
            "report_us": round(report),
            "cost_us": round(report - off),
            "cost_percent": round(100 * (report - off) / off),
            "samples_per_mode": len(by_mode["off"]),
        }
    return {"requests": results, "refusals_during_run": refusals}


def _measure_check_alone(quick: bool) -> dict[str, Any]:
    from local.simulator.contract_check import default_checker

    checker = default_checker()
    rows = [
        {
            "PrimaryKey": key,
            "EntityName": "contact",
            "contact.contact_id": key,
            "contact.updated": "2026-11-01T10:00:05",
            "contact.name": f"Contact {key}",
        }
        for key in range(ARCHIVE_ROWS)
    ]
    answer = json.dumps({"odata.metadata": "/api/v1/$metadata#Archive", "value": rows}).encode()
    query = {
        "$select": ["contact.contact_id,contact.updated,contact.name"],
        "$filter": ["contact.updated afterTime '2026-11-01T10:00:05'"],
        "$orderby": ["contact.updated,contact.contact_id"],
        "$top": [str(ARCHIVE_ROWS)],
    }
    body = json.dumps({"Name": "P", "Url": "https://x", "VisibleIn": "ContactCard"}).encode()
    cases: dict[str, Callable[[], object]] = {
        "check_request GET currentPrincipal": lambda: checker.check_request(
            "GET", "/api/v1/User/currentPrincipal", {}, b"", ""
        ),
        "check_request archive query (4 parameters, columns, operators)": lambda: (
            checker.check_request("GET", "/api/v1/Archive/dynamic", query, b"", "")
        ),
        "check_request web panel body": lambda: checker.check_request(
            "POST", "/api/v1/List/WebPanel/Items", {}, body, "application/json"
        ),
    }
    checked = checker.check_request("GET", "/api/v1/Archive/dynamic", query, b"", "")
    cases[f"check_response archive answer, {ARCHIVE_ROWS} rows"] = lambda: checker.check_response(
        checked, 200, answer, "application/json"
    )
    repeat = 20 if quick else 100
    results = {}
    for name, case in cases.items():
        case()
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            case()
            samples.append((time.perf_counter() - started) * 1e6)
        results[name] = {"median_us": round(statistics.median(samples)), "runs": repeat}
    return results


def _report(results: dict[str, Any]) -> str:
    lines = [
        "# Simulator contract check benchmark",
        "",
        f"Recorded {results['when']} on {results['machine']}, Python {results['python']}"
        f"{' (quick)' if results['quick'] else ''}.",
        "Run `make bench` (or `python -m bench --only contract`) to measure again; this file "
        "and the JSON beside it are rewritten.",
        "",
        "Per request over HTTP (median µs; check `off` and `report` interleaved in the same "
        "run; `enforce` runs the same checks):",
        "",
        "| request | check off | check on | cost | cost % |",
        "|---|---|---|---|---|",
    ]
    for name, row in results["http"]["requests"].items():
        lines.append(
            f"| {name} | {row['off_us']:,} | {row['report_us']:,} | {row['cost_us']:,} | "
            f"{row['cost_percent']}% |"
        )
    lines += [
        "",
        f"Refusals recorded during the run: {results['http']['refusals_during_run']} (the "
        "requests are all documented ones).",
        "",
        "The check alone, without HTTP (median µs):",
        "",
        "| check | median |",
        "|---|---|",
    ]
    for name, row in results["check_alone"].items():
        lines.append(f"| {name} | {row['median_us']:,} |")
    lines.append("")
    return "\n".join(lines)


def main(*, quick: bool = False) -> None:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    print("simulator contract: requests with the check off and on ...", flush=True)
    http = _measure_http(quick)
    print("simulator contract: the check alone ...", flush=True)
    alone = _measure_check_alone(quick)
    results = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "quick": quick,
        "http": http,
        "check_alone": alone,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "simulator_contract.json").write_text(json.dumps(results, indent=2) + "\n")
    report = _report(results)
    (RESULTS / "simulator_contract.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
