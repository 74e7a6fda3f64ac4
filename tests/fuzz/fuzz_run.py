"""What a fuzz run shares: its budget, the requests it sent, and what it found.

A run never stops at the first wrong answer (shrinking one example would cost more
requests than the whole run): every answer is checked, distinct findings are kept with
the first request that showed each, and the test fails at the end listing them all. The
run is bounded by an example count and a time budget, both multiplied by `FUZZ_SCALE`
(default 1; `make fuzz` sets 5); examples past the budget send nothing. Its report
(requests, seconds, findings) is written to `tests/output/fuzz/<name>.json`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pytest

from tests.fuzz.fuzz_answers import Answer, Secrets, cut, problems_of, redact

REPORT_DIR: Final = Path(__file__).resolve().parents[1] / "output" / "fuzz"


def budget(examples: int, seconds: float) -> tuple[int, float]:
    """The run's example count and seconds, multiplied by `FUZZ_SCALE` when it is set."""
    scale = float(os.environ.get("FUZZ_SCALE", "") or 1)
    return max(1, int(examples * scale)), seconds * scale


@dataclass
class FuzzRun:
    name: str
    secrets: Secrets = field(repr=False)
    seconds: float
    started: float = field(default_factory=time.monotonic)
    requests: int = 0
    # Time spent waiting for answers (the rest is generating the examples).
    request_seconds: float = 0.0
    skipped: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    # (where, problem) -> (the first request that showed it, how many did)
    findings: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)

    def over_budget(self) -> bool:
        if time.monotonic() - self.started > self.seconds:
            self.skipped += 1
            return True
        return False

    def send(self, where: str, request: Callable[[], str], send: Callable[[], Answer]) -> None:
        """Send one request (`send()`), check its answer; `request()` describes it if wrong."""
        started = time.monotonic()
        answer = send()
        self.request_seconds += time.monotonic() - started
        self.check(where, request, answer)

    def check(self, where: str, request: Callable[[], str], answer: Answer) -> None:
        """Record `answer` to the request `request()` describes (built only if wrong)."""
        self.requests += 1
        self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
        for problem in problems_of(answer, self.secrets):
            key = (where, problem)
            first, count = self.findings.get(key, (None, 0))
            shown = first or str(cut(redact(request(), self.secrets), keep=600))
            self.findings[key] = (shown, count + 1)

    def report(self) -> str:
        elapsed = time.monotonic() - self.started
        statuses = dict(sorted(self.statuses.items()))
        lines = [
            f"{self.name}: {self.requests} requests in {elapsed:.0f} s "
            f"({self.request_seconds:.0f} s waiting for answers; {self.skipped} examples "
            f"past the budget), statuses {statuses}"
        ]
        for (where, problem), (first, count) in sorted(self.findings.items()):
            lines.append(f"  {where}: {problem} ({count}x), first: {first}")
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        (REPORT_DIR / f"{self.name}.json").write_text(
            json.dumps(
                {
                    "requests": self.requests,
                    "seconds": round(elapsed, 1),
                    "request_seconds": round(self.request_seconds, 1),
                    "skipped_examples": self.skipped,
                    "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                    "findings": [
                        {"where": where, "problem": problem, "count": count, "first": first}
                        for (where, problem), (first, count) in sorted(self.findings.items())
                    ],
                },
                indent=2,
            ),
            "utf-8",
        )
        return "\n".join(lines)

    def fail_on_findings(self) -> None:
        """Print the report; fail listing the findings (pytest.fail: no object reprs)."""
        report = self.report()
        print(report)
        if self.findings:
            pytest.fail(report, pytrace=False)
