"""Invoke the template's functions in execution environments kept warm between calls.

Every environment's process gets the environment the template gives the function plus
the local AWS endpoints, fake credentials and region (`environment`); nothing else of the
runner's shell leaks in. Log lines come out prefixed with the function's logical id.
Environments are reused as Lambda reuses them and recycled when the code changes
(`local.environment_pool`); `warm=False` starts a new one for every invocation.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Final

from local.environment_pool import DEFAULT_IDLE_SECONDS, EnvironmentPool, WarmFunctions
from local.lambda_runtime import (
    ExecutionEnvironment,
    InvocationResult,
    function_process_environment,
)
from local.template import FunctionSpec

Log = Callable[[str], None]
# The only variables of the runner's own environment a function process sees.
_PASSED_THROUGH: Final = ("PATH", "HOME", "TMPDIR", "LANG")


def aws_environment(
    *, dynamodb: str, moto: str, region: str, access_key: str = "testing"
) -> dict[str, str]:
    """Endpoints, region and fake credentials that point every AWS SDK at the emulators."""
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb,
        # botocore's name for the service id "DynamoDB Streams"; DynamoDB Local serves both.
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": dynamodb,
        "AWS_ENDPOINT_URL_KMS": moto,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto,
        "AWS_ENDPOINT_URL_SQS": moto,
        "AWS_ENDPOINT_URL_EVENTBRIDGE": moto,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": access_key,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        # The emulators are on loopback: a developer's proxy must never see the calls.
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


class FunctionRunner:
    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        *,
        environment: Mapping[str, str],
        log: Log,
        warm: bool = True,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
    ) -> None:
        self.functions = dict(functions)
        self._environment = dict(environment)
        self._parent = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
        self._log = log
        self.warm = warm
        self._environments = WarmFunctions(self._start, warm=warm, idle_seconds=idle_seconds)

    def invoke(self, logical_id: str, event: Any) -> InvocationResult:
        return self._environments.invoke(self.functions[logical_id], event)

    def pool(self, logical_id: str) -> EnvironmentPool:
        """The function's environments (tests look at how many were started)."""
        return self._environments.pool(self.functions[logical_id])

    def close(self) -> None:
        """End every idle environment; busy ones end when their invocation does."""
        self._environments.close()

    def variables(self, logical_id: str) -> dict[str, str]:
        """The whole environment the function's processes get (the bench reuses it)."""
        return function_process_environment(
            self.functions[logical_id],
            overrides=self._environment,
            parent_environ={**self._parent, **self._environment},
        )

    def _start(self, function: FunctionSpec) -> ExecutionEnvironment:
        logical_id = function.logical_id

        def log(line: str) -> None:
            self._log(f"[{logical_id}] {line}")

        return ExecutionEnvironment(function, self.variables(logical_id), log)
