"""The CloudFormation YAML loader: every short-form tag becomes its long form."""

from __future__ import annotations

import pytest

from local.cfn_yaml import SHORT_FORM_TAGS, TemplateSyntaxError, parse_template


def test_scalar_tags_become_long_form() -> None:
    document = parse_template(
        """
        a: !Ref Table
        b: !Sub "${AWS::StackName}-x"
        c: !Base64 text
        d: !ImportValue SharedExport
        e: !Condition IsProduction
        f: !GetAZs ""
        """
    )
    assert document == {
        "a": {"Ref": "Table"},
        "b": {"Fn::Sub": "${AWS::StackName}-x"},
        "c": {"Fn::Base64": "text"},
        "d": {"Fn::ImportValue": "SharedExport"},
        "e": {"Condition": "IsProduction"},
        "f": {"Fn::GetAZs": ""},
    }


def test_sequence_tags_become_long_form() -> None:
    document = parse_template(
        """
        sub: !Sub ["${A}-${B}", {A: !Ref X, B: b}]
        if: !If [IsProduction, !Ref A, !Ref AWS::NoValue]
        equals: !Equals [!Ref Env, production]
        not: !Not [!Condition C]
        and: !And [!Condition C, !Condition D]
        or: !Or [!Condition C, !Equals [a, b]]
        join: !Join [",", [a, !Ref B]]
        select: !Select [1, !Split [",", "a,b,c"]]
        find: !FindInMap [Regions, !Ref AWS::Region, Ami]
        """
    )
    assert document["sub"] == {"Fn::Sub": ["${A}-${B}", {"A": {"Ref": "X"}, "B": "b"}]}
    assert document["if"] == {"Fn::If": ["IsProduction", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]}
    assert document["equals"] == {"Fn::Equals": [{"Ref": "Env"}, "production"]}
    assert document["not"] == {"Fn::Not": [{"Condition": "C"}]}
    assert document["and"] == {"Fn::And": [{"Condition": "C"}, {"Condition": "D"}]}
    assert document["or"] == {"Fn::Or": [{"Condition": "C"}, {"Fn::Equals": ["a", "b"]}]}
    assert document["join"] == {"Fn::Join": [",", ["a", {"Ref": "B"}]]}
    assert document["select"] == {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}
    assert document["find"] == {"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Ami"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!GetAtt Table.Arn", ["Table", "Arn"]),
        ("!GetAtt [Table, StreamArn]", ["Table", "StreamArn"]),
        ("!GetAtt Db.Endpoint.Address", ["Db", "Endpoint.Address"]),
    ],
)
def test_get_att_both_forms(text: str, expected: list[str]) -> None:
    assert parse_template(f"x: {text}") == {"x": {"Fn::GetAtt": expected}}


def test_long_forms_pass_through_unchanged() -> None:
    document = parse_template(
        """
        a: {Ref: Table}
        b: {"Fn::GetAtt": [Table, Arn]}
        c:
          Fn::Sub: "${Table}"
        """
    )
    assert document == {
        "a": {"Ref": "Table"},
        "b": {"Fn::GetAtt": ["Table", "Arn"]},
        "c": {"Fn::Sub": "${Table}"},
    }


def test_dates_stay_strings_as_in_cloudformation() -> None:
    assert parse_template("AWSTemplateFormatVersion: 2010-09-09\n") == {
        "AWSTemplateFormatVersion": "2010-09-09"
    }


def test_every_known_tag_is_accepted() -> None:
    for tag in SHORT_FORM_TAGS:
        assert parse_template(f"x: !{tag} Res.Attr")["x"] is not None


def test_unknown_tag_names_the_line() -> None:
    with pytest.raises(
        TemplateSyntaxError, match=r"(?s)t.yaml: unknown CloudFormation tag !Bogus.*line 2"
    ):
        parse_template("a: 1\nb: !Bogus x\n", source="t.yaml")


@pytest.mark.parametrize("text", ["x: !GetAtt NoDot", "- a list\n- at the top"])
def test_malformed_documents_are_refused(text: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        parse_template(text)
