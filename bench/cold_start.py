"""Cold-start budget: each function's import and init, against a floor in the same run.

Measures (issue 14, section 4): for every function of template.yaml, resolved with
production settings, a fresh interpreter (``python -P``, the function's code folder and
the layer on the path, the function's environment) times ``import <handler module>``,
which is the module's imports and its own init (its graph, settings read at cold start).
Beside it, the floor: a fresh interpreter importing only ``json``, ``logging`` and
cryptography's RSA and hash primitives, what any token check needs. Absolute times move
between machines, so the budget is a ratio to the floor: the authorizer at most 1.5x,
every other function at most 4x. RUNS rounds, each timing the floor and then every
function once; a function's ratio is the median over the rounds of its time divided by
the floor's time in the same round, so a machine that slows down or speeds up for a
while (other processes, frequency scaling: the floor alone moved 23-35 ms between runs
here) moves both sides of a ratio alike. `-X importtime` names the slowest imports of
each function for whoever wants to bring it down.
Results go to bench/results/cold_start.{json,md}. Nothing here asserts.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from bench.token_validation import _self_signed
from local import defaults
from local.lambda_runtime import FAKE_CREDENTIALS, function_process_environment
from local.naming import LocalNames
from local.template import FunctionSpec, load_template

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
RUNS = 21
AUTHORIZER = "TokenValidationFunction"
BUDGETS = {AUTHORIZER: 1.5}
DEFAULT_BUDGET = 4.0
FLOOR_IMPORTS = (
    "import json, logging\n"
    "from cryptography.hazmat.primitives import hashes\n"
    "from cryptography.hazmat.primitives.asymmetric import padding, rsa\n"
)
# Production values of the template's parameters: the functions read them at cold start.
PRODUCTION = {
    "EnvironmentName": "production",
    "ClientId": "bench-client-0001",
    "AppBaseUrl": "https://app.example.com",
    "ClientSecretName": "bench/client-secret",
    "PrivateKeySecretName": "bench/private-key",
    "SessionKeySecretName": "bench/session-keys",
}
TIMER = (
    "import sys, time\n"
    "started = time.perf_counter()\n"
    "{imports}"
    "sys.stdout.write(repr(time.perf_counter() - started))\n"
)


@dataclass(frozen=True)
class Measured:
    name: str
    milliseconds: list[float]
    slowest_imports: list[tuple[str, float]]

    @property
    def median(self) -> float:
        return statistics.median(self.milliseconds)

    def ratio_to(self, floor: Measured) -> float:
        """The median of this subject's time over the floor's, round by round."""
        pairs = zip(self.milliseconds, floor.milliseconds, strict=True)
        return statistics.median(mine / theirs for mine, theirs in pairs)


def production_functions() -> dict[str, FunctionSpec]:
    """The template's functions as a production deployment configures them."""
    names = LocalNames(region="eu-west-1", sqs_endpoint="https://sqs.eu-west-1.amazonaws.com")
    # Production's signing certificate is not public: a deployment supplies it, so here too.
    certificate = _self_signed(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    parameters = {**PRODUCTION, "SigningCertificate": certificate.decode("ascii")}
    template = load_template(defaults.TEMPLATE_PATH, parameters=parameters, names=names)
    return template.functions()


def _module_of(function: FunctionSpec) -> str:
    return function.handler.rpartition(".")[0].replace("/", ".")


def function_environment(function: FunctionSpec | None) -> tuple[dict[str, str], Path]:
    if function is None:
        environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": ""}
        return environment, REPO
    environment = function_process_environment(
        function, parent_environ={"PATH": os.environ.get("PATH", ""), **FAKE_CREDENTIALS}
    )
    # Production would reach AWS; nothing at init may, so any endpoint is refused locally.
    environment.pop("AWS_SAM_LOCAL", None)
    return environment, function.code_uri


def _run_once(imports: str, function: FunctionSpec | None, *, importtime: bool) -> str:
    environment, folder = function_environment(function)
    flags = ["-X", "importtime"] if importtime else []
    done = subprocess.run(
        [sys.executable, "-P", *flags, "-c", TIMER.format(imports=imports)],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cold start failed: {done.stderr[-1500:]}")
    return done.stderr if importtime else done.stdout


def _slowest_imports(report: str, count: int = 6) -> list[tuple[str, float]]:
    """The top-level imports with the largest cumulative time, from `-X importtime`."""
    tops: list[tuple[str, float]] = []
    for line in report.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        if cumulative.isdigit() and not name.startswith(" ") and "." not in name.strip():
            tops.append((name.strip(), int(cumulative) / 1000))
    return sorted(tops, key=lambda item: item[1], reverse=True)[:count]


def measure(functions: dict[str, FunctionSpec], runs: int = RUNS) -> dict[str, Measured]:
    subjects: dict[str, tuple[str, FunctionSpec | None]] = {"floor": (FLOOR_IMPORTS, None)}
    for logical_id, function in sorted(functions.items()):
        subjects[logical_id] = (f"import {_module_of(function)}\n", function)
    times: dict[str, list[float]] = {name: [] for name in subjects}
    for _ in range(runs):  # alternating, so a busy moment costs every subject alike
        for name, (imports, function) in subjects.items():
            times[name].append(float(_run_once(imports, function, importtime=False)) * 1000)
    return {
        name: Measured(
            name,
            times[name],
            _slowest_imports(_run_once(imports, function, importtime=True)),
        )
        for name, (imports, function) in subjects.items()
    }


def report(measured: dict[str, Measured]) -> dict[str, Any]:
    floor = measured["floor"].median
    functions = {}
    for name, result in measured.items():
        if name == "floor":
            continue
        budget = BUDGETS.get(name, DEFAULT_BUDGET)
        ratio = result.ratio_to(measured["floor"])
        functions[name] = {
            "median_ms": round(result.median, 1),
            "ratio_to_floor": round(ratio, 2),
            "budget_ratio": budget,
            "within_budget": ratio <= budget,
            "slowest_imports_ms": {n: round(ms, 1) for n, ms in result.slowest_imports},
        }
    return {
        "benchmark": "cold_start",
        "machine": platform.machine(),
        "python": platform.python_version(),
        "runs": len(measured["floor"].milliseconds),
        "floor_ms": round(floor, 1),
        "floor_imports": FLOOR_IMPORTS.strip().splitlines(),
        "functions": functions,
    }


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Cold-start budget",
        "",
        f"Python {results['python']} on {results['machine']}; {results['runs']} rounds of "
        f"fresh interpreters, each round timing the floor and every function once. Floor "
        f"(json, logging, cryptography's RSA and hashes): **{results['floor_ms']} ms** "
        f"(median). A function's ratio is the median over the rounds of its time divided "
        f"by the floor's in the same round. Slowest imports in ms.",
        "",
        "| function | import + init (median ms) | x floor | budget | within | slowest imports |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in results["functions"].items():
        slow = ", ".join(f"{n} {ms}" for n, ms in row["slowest_imports_ms"].items())
        lines.append(
            f"| {name} | {row['median_ms']} | {row['ratio_to_floor']} | {row['budget_ratio']} "
            f"| {'yes' if row['within_budget'] else '**no**'} | {slow} |"
        )
    return "\n".join(lines) + "\n"


def main(runs: int = RUNS) -> dict[str, Any]:
    print("bench: cold start of every function against the floor ...", flush=True)
    results = report(measure(production_functions(), runs))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cold_start.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (RESULTS / "cold_start.md").write_text(text)
    print(text, flush=True)
    return results


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else RUNS)
