"""Read CloudFormation YAML: short-form intrinsic tags become their long (JSON) form.

`!Ref X` -> `{"Ref": "X"}`, `!GetAtt A.B` -> `{"Fn::GetAtt": ["A", "B"]}`,
`!Sub ...` -> `{"Fn::Sub": ...}` and so on, so the resolver only ever sees one spelling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import yaml

# Tag (without "!") -> the key of its long form.
SHORT_FORM_TAGS: Final = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "Base64",
            "Cidr",
            "And",
            "Equals",
            "If",
            "Not",
            "Or",
            "FindInMap",
            "GetAtt",
            "GetAZs",
            "ImportValue",
            "Join",
            "Length",
            "Select",
            "Split",
            "Sub",
            "ToJsonString",
            "Transform",
        )
    },
}


class TemplateSyntaxError(ValueError):
    """The file is not a readable CloudFormation YAML template."""


class CloudFormationLoader(yaml.SafeLoader):
    """A safe YAML loader that knows the intrinsic tags and keeps dates as strings."""


# CloudFormation reads `2010-09-09` as a string; plain YAML would make it a date.
CloudFormationLoader.yaml_implicit_resolvers = {
    first: [entry for entry in resolvers if entry[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    key = SHORT_FORM_TAGS.get(suffix)
    if key is None:
        raise yaml.constructor.ConstructorError(
            None, None, f"unknown CloudFormation tag !{suffix}", node.start_mark
        )
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if key == "Fn::GetAtt":
            # `!GetAtt Resource.Attribute`: the attribute may itself contain dots.
            logical_id, dot, attribute = str(value).partition(".")
            if not dot or not logical_id or not attribute:
                raise yaml.constructor.ConstructorError(
                    None, None, f"!GetAtt {value!r} is not 'Resource.Attribute'", node.start_mark
                )
            value = [logical_id, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(
            None, None, f"!{suffix} needs a value", node.start_mark
        )
    return {key: value}


CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def parse_template(text: str, *, source: str = "<template>") -> dict[str, Any]:
    """The template document; raises TemplateSyntaxError naming `source` and the line."""
    try:
        document = yaml.load(text, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        raise TemplateSyntaxError(f"{source}: {error}") from error
    if not isinstance(document, dict):
        raise TemplateSyntaxError(f"{source}: a template must be a mapping at the top level")
    return document


def read_template(path: Path) -> dict[str, Any]:
    return parse_template(path.read_text("utf-8"), source=str(path))
