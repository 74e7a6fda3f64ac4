"""Run every benchmark and record the results (`make bench`, `make bench QUICK=1`).

`python -m bench [--quick] [--rounds N] [--only token|contract|coldstart|latency|sync|dispatcher
...]`: the token validation and simulator contract benchmarks first (CPU only), every
function's cold start against its floor, local request latency through the runner (warm,
cold, in-process; it starts its own stacks), then DynamoDB Local, moto and
the SuperOffice simulator are started once for the sync and dispatcher benchmarks and stopped
at the end. `--quick`
(or BENCH_QUICK=1) runs the sync and dispatcher benchmarks at a quarter of their size or
less, for a check that they work; the recorded results say which sizes they used.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import cold_start, local_latency, simulator_contract, token_validation

BENCHMARKS = ("token", "contract", "coldstart", "latency", "sync", "dispatcher")
FULL = {"contacts": 20_000, "tenants": 10_000}
QUICK = {"contacts": 5_000, "tenants": 2_000}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
        help="smaller sync and dispatcher runs (5,000 contacts, 2,000 tenants); also BENCH_QUICK=1",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="worker and bare-loop runs of the sync throughput, for steadier numbers (default 1)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        help="run only this benchmark (repeatable); default: all",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = _arguments(argv)
    chosen = arguments.only or list(BENCHMARKS)
    sizes = QUICK if arguments.quick else FULL
    started = time.monotonic()
    if "token" in chosen:
        token_validation.main()
    if "contract" in chosen:
        simulator_contract.main(quick=arguments.quick)
    if "coldstart" in chosen:
        cold_start.main(runs=5 if arguments.quick else cold_start.RUNS)
    if "latency" in chosen:
        local_latency.main(quick=arguments.quick)
    if "sync" in chosen or "dispatcher" in chosen:
        _with_services(chosen, sizes, max(1, arguments.rounds))
    print(f"bench: done in {time.monotonic() - started:.0f} s", file=sys.stderr)


def _with_services(chosen: list[str], sizes: dict[str, int], rounds: int) -> None:
    # Imported here: they put the layer on sys.path and need the local tools.
    from bench import dispatcher, sync
    from bench.services import Simulator, local_aws
    from local.app_credentials import load_or_create_app_credentials

    print("bench: starting DynamoDB Local, moto and the simulator ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-") as directory, local_aws() as services:
        state_dir = Path(directory)
        if "sync" in chosen:
            credentials = load_or_create_app_credentials(state_dir)
            simulator = Simulator(state_dir)
            try:
                sync.main(
                    sync.Options(contacts=sizes["contacts"], rounds=rounds),
                    services,
                    simulator,
                    credentials,
                )
            finally:
                simulator.stop()
        if "dispatcher" in chosen:
            dispatcher.main(sizes["tenants"], services)


if __name__ == "__main__":
    main()
