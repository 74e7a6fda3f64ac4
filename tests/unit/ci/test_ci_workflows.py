"""The GitHub Actions workflows keep the properties the pipeline's safety rests on.

actionlint and zizmor (`make lint-workflows`) check syntax and known weaknesses; these
tests pin what is specific to this pipeline: every action pinned by commit, no token
rights beyond reading except the deploy jobs' OIDC token, one concurrency group per
environment, Production behind its own environment, and one build that every environment
deploys (no job but `build` builds).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
WORKFLOWS = REPO / ".github" / "workflows"
DEPLOY_ACTION = REPO / ".github" / "actions" / "deploy" / "action.yml"
LOCAL_DEPLOY_ACTION = "./.github/actions/deploy"

ENVIRONMENTS = ("sod", "stage", "production")
# A remote action is owner/repo[/path]@<full commit SHA>, followed by the tag it is.
PINNED_USES = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
TAG_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\b")
USES_LINE = re.compile(r"^\s*(-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
# Commands that build; only the build job may run them.
BUILD_COMMANDS = re.compile(r"\bmake\s+build\b|\bsam\s+build\b")


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), path
    return document


def triggers(workflow: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `on:` mapping; YAML 1.1 reads the bare key `on` as the boolean True."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict)
    return on


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def all_action_files() -> list[Path]:
    return [*workflow_files(), *sorted((REPO / ".github" / "actions").glob("*/action.y*ml"))]


def steps_of(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    steps = job.get("steps", [])
    assert isinstance(steps, list)
    return steps


def run_scripts(steps: list[dict[str, Any]]) -> Iterator[str]:
    for step in steps:
        if "run" in step:
            yield str(step["run"])


def deliver() -> dict[str, Any]:
    return load(WORKFLOWS / "deliver.yml")


def deploy_jobs() -> dict[str, dict[str, Any]]:
    """The jobs that deploy: those bound to a GitHub environment."""
    jobs: dict[str, dict[str, Any]] = deliver()["jobs"]
    return {name: job for name, job in jobs.items() if "environment" in job}


def environment_name(job: Mapping[str, Any]) -> str:
    environment = job["environment"]
    return str(environment["name"] if isinstance(environment, dict) else environment)


def needs(job: Mapping[str, Any]) -> list[str]:
    value = job.get("needs", [])
    return [value] if isinstance(value, str) else list(value)


def test_the_workflows_exist() -> None:
    names = {path.name for path in workflow_files()}
    assert {"pull-request.yml", "deliver.yml"} <= names
    assert DEPLOY_ACTION.is_file()


@pytest.mark.parametrize("path", all_action_files(), ids=lambda path: path.name)
def test_every_remote_action_is_pinned_to_a_commit_with_its_tag(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = USES_LINE.match(line)
        if not match:
            continue
        ref = match["ref"]
        if ref.startswith("./"):
            continue  # this repository's own action, at the commit being run
        assert PINNED_USES.match(ref), f"{path.name}:{number}: {ref} is not pinned by SHA"
        assert TAG_COMMENT.search(match["rest"]), f"{path.name}:{number}: say which tag"


def test_one_action_is_pinned_to_one_commit_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in all_action_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            match = USES_LINE.match(line)
            if match and "@" in match["ref"]:
                action, sha = match["ref"].split("@", 1)
                pins.setdefault(action, set()).add(sha)
    assert pins
    assert {action: shas for action, shas in pins.items() if len(shas) > 1} == {}


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_top_level_permissions_grant_nothing(path: Path) -> None:
    assert load(path)["permissions"] == {}


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_no_workflow_runs_untrusted_code_with_secrets(path: Path) -> None:
    workflow_triggers = triggers(load(path))
    assert "pull_request_target" not in workflow_triggers
    assert "workflow_run" not in workflow_triggers


@pytest.mark.parametrize("path", all_action_files(), ids=lambda path: path.name)
def test_no_expression_is_interpolated_into_a_script(path: Path) -> None:
    document = load(path)
    jobs = document.get("jobs", {})
    step_lists = [steps_of(job) for job in jobs.values()] if jobs else []
    if "runs" in document:
        step_lists.append(document["runs"]["steps"])
    for steps in step_lists:
        for script in run_scripts(steps):
            assert "${{" not in script, f"{path.name}: pass it through env: instead\n{script}"


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_every_checkout_drops_its_credentials(path: Path) -> None:
    for job in load(path)["jobs"].values():
        for step in steps_of(job):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_pull_requests_run_make_test_with_a_read_only_token() -> None:
    workflow = load(WORKFLOWS / "pull-request.yml")
    assert "pull_request" in triggers(workflow)
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    assert any(script.strip() == "make test" for script in run_scripts(steps_of(job)))


def test_deliver_runs_on_pushes_to_main_only() -> None:
    assert triggers(deliver()) == {"push": {"branches": ["main"]}}


def test_only_the_deploy_jobs_get_an_oidc_token() -> None:
    for path in workflow_files():
        for name, job in load(path)["jobs"].items():
            permissions = job.get("permissions", {})
            if "environment" in job:
                assert permissions == {"contents": "read", "id-token": "write"}, name
            else:
                assert "id-token" not in permissions, name
                assert set(permissions.values()) <= {"read"}, name


def test_each_environment_is_deployed_by_one_job_in_order() -> None:
    jobs = deploy_jobs()
    by_environment = {environment_name(job): name for name, job in jobs.items()}
    assert sorted(by_environment) == sorted(ENVIRONMENTS)
    assert len(by_environment) == len(jobs)
    # SOD after the build, Stage after SOD (and its smoke test), Production after Stage.
    previous = "build"
    for environment in ENVIRONMENTS:
        job = jobs[by_environment[environment]]
        assert previous in needs(job), environment
        previous = by_environment[environment]


def test_production_is_deployed_by_the_production_environment() -> None:
    # The environment's required reviewers are what hold Production back.
    production = deliver()["jobs"]["deploy-production"]
    assert environment_name(production) == "production"


def test_two_deploys_of_one_environment_never_overlap() -> None:
    groups = []
    for job in deploy_jobs().values():
        concurrency = job["concurrency"]
        assert environment_name(job) in concurrency["group"]
        assert concurrency["cancel-in-progress"] is False
        assert "${{" not in concurrency["group"]
        groups.append(concurrency["group"])
    assert len(set(groups)) == len(ENVIRONMENTS)


def test_assume_a_role_by_oidc_never_stored_keys() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in all_action_files())
    assert "aws-access-key-id" not in text
    assert "aws-secret-access-key" not in text
    action = load(DEPLOY_ACTION)
    (credentials,) = [
        step
        for step in action["runs"]["steps"]
        if str(step.get("uses", "")).startswith("aws-actions/configure-aws-credentials@")
    ]
    assert credentials["with"]["role-to-assume"] == "${{ inputs.role-to-assume }}"
    for job in deploy_jobs().values():
        (deploy,) = [step for step in steps_of(job) if step.get("uses") == LOCAL_DEPLOY_ACTION]
        assert deploy["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
        assert deploy["with"]["config-env"] == environment_name(job)


def test_the_build_job_builds_once_and_uploads_the_build() -> None:
    build = deliver()["jobs"]["build"]
    assert "environment" not in build
    scripts = list(run_scripts(steps_of(build)))
    assert sum(len(BUILD_COMMANDS.findall(script)) for script in scripts) == 1
    uploads = [
        step
        for step in steps_of(build)
        if str(step.get("uses", "")).startswith("actions/upload-artifact@")
    ]
    assert [step["with"]["name"] for step in uploads] == ["sam-build"]


def test_every_environment_deploys_the_uploaded_build_without_building() -> None:
    action = load(DEPLOY_ACTION)
    steps = action["runs"]["steps"]
    downloads = [
        step for step in steps if str(step.get("uses", "")).startswith("actions/download-artifact@")
    ]
    assert [step["with"]["name"] for step in downloads] == ["sam-build"]
    scripts = "\n".join(run_scripts(steps))
    assert not BUILD_COMMANDS.search(scripts)
    assert "--template-file .aws-sam/build/template.yaml" in scripts
    assert "python -m local smoke --url" in scripts
    for name, job in deploy_jobs().items():
        assert "build" in needs(job), name
        assert not BUILD_COMMANDS.search("\n".join(run_scripts(steps_of(job)))), name
        assert LOCAL_DEPLOY_ACTION in [step.get("uses") for step in steps_of(job)], name
