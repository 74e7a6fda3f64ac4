"""The layer's requirements.txt is what `sam build` installs; constraints.txt what the tests ran.

Every package the layer needs at run time is pinned in `layers/shared/requirements.txt`
at exactly the version `constraints.txt` pins: the packages the layer imports and,
transitively, everything they require on the Lambda runtime (python3.13, arm64), except
boto3 and botocore, which that runtime provides. Nothing else is listed. The checks are
also run on altered pins, so they are shown to fail when they should.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

REPO = Path(__file__).resolve().parents[3]
LAYER_REQUIREMENTS = REPO / "layers" / "shared" / "requirements.txt"
CONSTRAINTS = REPO / "constraints.txt"
LAYER_PACKAGE = REPO / "layers" / "shared" / "superoffice_app"

# The Lambda runtime provides these; bundling them would bloat every cold start
# (docs/decisions.md, "boto3 is not in the layer").
PROVIDED_BY_RUNTIME = frozenset({canonicalize_name("boto3"), canonicalize_name("botocore")})
# Requirement markers are evaluated for the functions' runtime (template.yaml: python3.13,
# arm64), not for the interpreter running the tests.
LAMBDA_MARKER_ENVIRONMENT: dict[str, str] = {
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
}
# A comment starts a line or follows whitespace (pip's rule); options like -r are not pins.
_COMMENT = re.compile(r"(^|\s)#.*$")

Pins = Mapping[NormalizedName, str]


def read_pins(path: Path) -> dict[NormalizedName, str]:
    """`name==version` lines of a requirements file, by normalised name."""
    pins: dict[NormalizedName, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = _COMMENT.sub("", raw).strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==" or requirement.marker:
            raise AssertionError(f"{path.name}:{number}: {line!r} is not an exact `==` pin")
        pins[canonicalize_name(requirement.name)] = specifiers[0].version
    return pins


def runtime_requirements(name: str) -> list[Requirement]:
    """What the installed distribution `name` requires on the Lambda runtime (no extras)."""
    environment = {**LAMBDA_MARKER_ENVIRONMENT, "extra": ""}
    requirements = (Requirement(text) for text in metadata.requires(name) or [])
    return [
        requirement
        for requirement in requirements
        if requirement.marker is None or requirement.marker.evaluate(environment)
    ]


def pin_differences(layer: Pins, constraints: Pins) -> list[str]:
    """Layer pins that constraints.txt pins otherwise, or not at all."""
    return [
        f"{name}=={version} (constraints.txt: {constraints.get(name, 'not pinned')})"
        for name, version in sorted(layer.items())
        if constraints.get(name) != version
    ]


def unmet_requirements(
    layer: Pins, requires: Mapping[NormalizedName, Iterable[Requirement]]
) -> list[str]:
    """Requirements of listed packages that the layer's pins do not satisfy."""
    problems: list[str] = []
    for name in sorted(layer):
        for requirement in requires[name]:
            needed = canonicalize_name(requirement.name)
            if needed in PROVIDED_BY_RUNTIME:
                continue
            if needed not in layer:
                problems.append(f"{requirement} (needed by {name}) is not listed")
            elif not requirement.specifier.contains(layer[needed], prereleases=True):
                problems.append(f"{needed}=={layer[needed]} does not meet {name}'s {requirement}")
    return problems


def third_party_imports(package: Path) -> set[str]:
    """Top-level names of the non-stdlib modules the package's files import."""
    names: set[str] = set()
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return names - set(sys.stdlib_module_names) - {package.name}


def needed_distributions(imported: Iterable[str]) -> set[NormalizedName]:
    """The distributions providing `imported` and everything they require, transitively."""
    providers = metadata.packages_distributions()
    pending = [canonicalize_name(dist) for name in imported for dist in providers.get(name, [])]
    needed: set[NormalizedName] = set()
    while pending:
        name = pending.pop()
        if name in needed or name in PROVIDED_BY_RUNTIME:
            continue
        needed.add(name)
        pending.extend(canonicalize_name(r.name) for r in runtime_requirements(name))
    return needed


@pytest.fixture(scope="module")
def layer_pins() -> dict[NormalizedName, str]:
    return read_pins(LAYER_REQUIREMENTS)


@pytest.fixture(scope="module")
def installed_requirements(
    layer_pins: dict[NormalizedName, str],
) -> dict[NormalizedName, list[Requirement]]:
    # The metadata read is the installed one, so it must be the pinned version.
    for name, version in layer_pins.items():
        installed = metadata.version(name)
        assert installed == version, f"{name} {installed} is installed, not {version}: make venv"
    return {name: runtime_requirements(name) for name in layer_pins}


def test_the_layer_pins_the_versions_constraints_txt_pins(
    layer_pins: dict[NormalizedName, str],
) -> None:
    assert pin_differences(layer_pins, read_pins(CONSTRAINTS)) == []


def test_everything_a_listed_package_needs_is_listed(
    layer_pins: dict[NormalizedName, str],
    installed_requirements: dict[NormalizedName, list[Requirement]],
) -> None:
    assert unmet_requirements(layer_pins, installed_requirements) == []


def test_the_layer_lists_exactly_what_its_imports_need(
    layer_pins: dict[NormalizedName, str],
) -> None:
    imported = third_party_imports(LAYER_PACKAGE)
    assert {"aws_lambda_powertools", "cryptography", "httpx"} <= imported  # the scan works
    assert sorted(needed_distributions(imported)) == sorted(layer_pins)


def test_boto3_and_pyjwt_stay_out_of_the_layer(layer_pins: dict[NormalizedName, str]) -> None:
    assert {"boto3", "botocore", "pyjwt"}.isdisjoint(layer_pins)
    assert "jwt" not in third_party_imports(LAYER_PACKAGE)


def test_a_pin_that_differs_from_constraints_txt_is_reported() -> None:
    constraints = read_pins(CONSTRAINTS)
    layer = {canonicalize_name("httpx"): "0.27.0", canonicalize_name("h11"): constraints["h11"]}
    assert pin_differences(layer, constraints) == [
        f"httpx==0.27.0 (constraints.txt: {constraints['httpx']})"
    ]
    unpinned = {canonicalize_name("left-pad"): "1.0"}
    assert pin_differences(unpinned, constraints) == ["left-pad==1.0 (constraints.txt: not pinned)"]


def test_a_missing_or_unmet_transitive_requirement_is_reported(
    layer_pins: dict[NormalizedName, str],
    installed_requirements: dict[NormalizedName, list[Requirement]],
) -> None:
    without_h11 = {name: version for name, version in layer_pins.items() if name != "h11"}
    assert unmet_requirements(without_h11, installed_requirements) == [
        next(
            f"{requirement} (needed by httpcore) is not listed"
            for requirement in installed_requirements[canonicalize_name("httpcore")]
            if requirement.name == "h11"
        )
    ]
    old_httpcore = {**layer_pins, canonicalize_name("httpcore"): "0.18.0"}
    assert unmet_requirements(old_httpcore, installed_requirements) == [
        "httpcore==0.18.0 does not meet httpx's httpcore==1.*"
    ]


def test_a_loose_requirement_line_is_refused(tmp_path: Path) -> None:
    loose = tmp_path / "requirements.txt"
    loose.write_text("# fine\nhttpx==0.28.1  # fine too\n-r other.txt\ncryptography>=50\n")
    with pytest.raises(AssertionError, match=r"requirements.txt:4: 'cryptography>=50'"):
        read_pins(loose)
