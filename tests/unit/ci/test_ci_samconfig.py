"""samconfig.toml gives every SAM command an environment's stack with --config-env.

SAM merges `[<env>.global.parameters]` into every command's parameters, so the stack name,
region and parameters belong there: `sam deploy`, `sam logs`, `sam sync`, `sam delete`
and `sam list stack-outputs` (which the pipeline uses) then all find the same stack. A
command's own section must not set them again, or the two copies drift apart.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
ENVIRONMENTS = ("sod", "stage", "production")
STACK_KEYS = ("stack_name", "region", "parameter_overrides")


def samconfig() -> dict[str, Any]:
    with (REPO / "samconfig.toml").open("rb") as config:
        return tomllib.load(config)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_stack_is_in_the_global_parameters(environment: str) -> None:
    parameters = samconfig()[environment]["global"]["parameters"]
    for key in STACK_KEYS:
        assert parameters.get(key), f"{environment}.global.parameters.{key}"
    assert f"EnvironmentName={environment}" in parameters["parameter_overrides"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_command_section_shadows_the_stack(environment: str) -> None:
    for command, sections in samconfig()[environment].items():
        if command != "global":
            assert not set(STACK_KEYS) & set(sections.get("parameters", {})), command


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_deploy_keeps_its_own_settings(environment: str) -> None:
    deploy = samconfig()[environment]["deploy"]["parameters"]
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    # A person deploying by hand confirms the change set; the pipeline says --no-confirm.
    assert deploy["confirm_changeset"] is True


def test_each_environment_has_its_own_stack() -> None:
    config = samconfig()
    names = [config[env]["global"]["parameters"]["stack_name"] for env in ENVIRONMENTS]
    assert len(set(names)) == len(ENVIRONMENTS)
