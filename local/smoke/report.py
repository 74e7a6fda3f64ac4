"""One check's result and its line of output: PASS, FAIL or SKIP, expected and got."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    PASS = "PASS"  # noqa: S105 - an outcome, not a password
    FAIL = "FAIL"
    # Not applicable to this stack (TLS of a local http URL): never counted as a pass.
    SKIP = "SKIP"


@dataclass(frozen=True)
class CheckResult:
    name: str
    outcome: Outcome
    expected: str
    got: str

    def line(self) -> str:
        if self.outcome is Outcome.SKIP:
            return f"SKIP {self.name}: not checked ({self.got}); would expect {self.expected}"
        return f"{self.outcome} {self.name}: expected {self.expected}; got {self.got}"


def judged(name: str, ok: bool, expected: str, got: str) -> CheckResult:
    return CheckResult(name, Outcome.PASS if ok else Outcome.FAIL, expected, got)


def skipped(name: str, expected: str, reason: str) -> CheckResult:
    return CheckResult(name, Outcome.SKIP, expected, reason)
