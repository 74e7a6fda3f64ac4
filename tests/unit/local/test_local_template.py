"""Template resolution: parameters, conditions, every intrinsic, references, SAM Globals."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from local.cfn_yaml import parse_template
from local.naming import LocalNames
from local.template import NO_VALUE, Template, TemplateError, UnknownFunctionError

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  EnvironmentName:
    Type: String
    AllowedValues: [sod, stage, production, local]
  ClientId:
    Type: String
    AllowedPattern: "^[a-z-]{4,}$"
  CacheSeconds:
    Type: Number
    Default: 300
    MinValue: 0
    MaxValue: 3600
  Hosts:
    Type: CommaDelimitedList
    Default: "a.example,b.example"
  NoDefault:
    Type: String
Mappings:
  Sizes:
    local:
      Memory: 256
    production:
      Memory: 1024
Conditions:
  IsProduction: !Equals [!Ref EnvironmentName, production]
  IsLocal: !Equals [local, !Ref EnvironmentName]
  IsNotProduction: !Not [!Condition IsProduction]
  LocalAndNotProduction: !And [!Condition IsLocal, !Condition IsNotProduction]
  AnyOfThem: !Or [!Condition IsProduction, !Equals [!Ref ClientId, never]]
Globals:
  Function:
    Runtime: python3.13
    Timeout: 10
    MemorySize: !FindInMap [Sizes, !Ref EnvironmentName, Memory]
    Layers:
      - !Ref SharedLayer
    Environment:
      Variables:
        SHARED: from-globals
        OVERRIDDEN: from-globals
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: !Sub "${AWS::StackName}-shared"
      ContentUri: layers/shared/
  Table:
    Type: AWS::DynamoDB::Table
  NamedTable:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-records"
  Queue:
    Type: AWS::SQS::Queue
  FifoQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
  Key:
    Type: AWS::KMS::Key
  KeyAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Sub "alias/${AWS::StackName}"
      TargetKeyId: !Ref Key
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: local/client-secret
  HttpApi:
    Type: AWS::Serverless::HttpApi
  ProductionOnly:
    Type: AWS::SQS::Queue
    Condition: IsProduction
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/worker/
      Handler: app.lambda_handler
      Timeout: !Ref CacheSeconds
      Layers:
        - arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:1
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
      Environment:
        Variables:
          OVERRIDDEN: from-function
          ENVIRONMENT: !Ref EnvironmentName
          CLIENT: !Ref ClientId
          CACHE: !Ref CacheSeconds
          REGION: !Ref AWS::Region
          ACCOUNT: !Ref AWS::AccountId
          STACK: !Ref AWS::StackName
          PARTITION: !Ref AWS::Partition
          SUFFIX: !Ref AWS::URLSuffix
          TABLE: !Ref Table
          NAMED_TABLE: !Ref NamedTable
          TABLE_ARN: !GetAtt Table.Arn
          TABLE_STREAM: !GetAtt [Table, StreamArn]
          QUEUE_URL: !Ref Queue
          QUEUE_ARN: !GetAtt Queue.Arn
          QUEUE_NAME: !GetAtt Queue.QueueName
          FIFO_QUEUE: !GetAtt FifoQueue.QueueName
          KEY_ID: !Ref Key
          KEY_ARN: !GetAtt Key.Arn
          KEY_ALIAS: !Ref KeyAlias
          SECRET: !Ref Secret
          LAYER: !Ref SharedLayer
          API: !Ref HttpApi
          SELF_ARN: !GetAtt Worker.Arn
          SUB: !Sub "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${!Literal}"
          SUB_LIST: !Sub ["${Prefix}-${Table}-${Table.Arn}", {Prefix: !Ref ClientId}]
          JOIN: !Join ["/", [a, !Ref EnvironmentName, 3]]
          SELECT: !Select [1, !Ref Hosts]
          SPLIT_SELECT: !Select ["2", !Split [",", "x,y,z"]]
          BASE64: !Base64 hello
          IF: !If [IsProduction, prod, not-prod]
          IF_NESTED: !If [LocalAndNotProduction, !Sub "${ClientId}!", other]
          EQUALS: !Equals [!Ref EnvironmentName, local]
          ANY: !If [AnyOfThem, yes-any, no-any]
          DROPPED: !If [IsProduction, value, !Ref AWS::NoValue]
          BOOLEAN: true
          NUMBER: 42
  Other:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/other/
      Handler: other.handler
"""

PARAMETERS = {"EnvironmentName": "local", "ClientId": "local-client"}


def make_template(
    tmp_path: Path, text: str = TEMPLATE, parameters: dict[str, str] | None = None
) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return Template(
        parse_template(text),
        path=path,
        parameters=PARAMETERS if parameters is None else parameters,
        names=LocalNames(),
    )


@pytest.fixture
def worker(tmp_path: Path) -> Any:
    return make_template(tmp_path).function("Worker")


def test_function_settings_merge_globals(tmp_path: Path) -> None:
    template = make_template(tmp_path)
    worker = template.function("Worker")
    assert worker.logical_id == "Worker"
    assert worker.function_name == "superoffice-app-local-Worker"
    assert worker.arn == (
        "arn:aws:lambda:eu-west-1:123456789012:function:superoffice-app-local-Worker"
    )
    assert worker.code_uri == (tmp_path / "functions" / "worker").resolve()
    assert worker.handler == "app.lambda_handler"
    assert worker.runtime == "python3.13"
    assert worker.timeout == 300
    assert worker.memory == 256
    assert worker.architectures == ("x86_64",)
    # Lists from Globals come first, the function's own are appended (SAM's rule).
    assert worker.layers == ((tmp_path / "layers" / "shared").resolve(),)
    assert worker.external_layers == (
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:1",
    )
    assert worker.events["Queue"]["Type"] == "SQS"
    other = template.function("Other")
    assert other.timeout == 10
    assert other.environment == {"SHARED": "from-globals", "OVERRIDDEN": "from-globals"}


def test_parameters_and_pseudo_parameters(worker: Any) -> None:
    env = worker.environment
    assert env["SHARED"] == "from-globals"
    assert env["OVERRIDDEN"] == "from-function"
    assert env["ENVIRONMENT"] == "local"
    assert env["CLIENT"] == "local-client"
    assert env["CACHE"] == "300"
    assert env["REGION"] == "eu-west-1"
    assert env["ACCOUNT"] == "123456789012"
    assert env["STACK"] == "superoffice-app-local"
    assert env["PARTITION"] == "aws"
    assert env["SUFFIX"] == "amazonaws.com"
    assert env["BOOLEAN"] == "true"
    assert env["NUMBER"] == "42"


def test_references_to_resources(worker: Any) -> None:
    env = worker.environment
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/superoffice-app-local-Table"
    assert env["TABLE"] == "superoffice-app-local-Table"
    assert env["NAMED_TABLE"] == "superoffice-app-local-records"
    assert env["TABLE_ARN"] == arn
    assert env["TABLE_STREAM"].startswith(arn + "/stream/")
    assert env["QUEUE_URL"] == "http://127.0.0.1:5000/123456789012/superoffice-app-local-Queue"
    assert env["QUEUE_ARN"] == "arn:aws:sqs:eu-west-1:123456789012:superoffice-app-local-Queue"
    assert env["QUEUE_NAME"] == "superoffice-app-local-Queue"
    assert env["FIFO_QUEUE"] == "superoffice-app-local-FifoQueue.fifo"
    assert env["KEY_ARN"] == f"arn:aws:kms:eu-west-1:123456789012:key/{env['KEY_ID']}"
    assert env["KEY_ALIAS"] == "alias/superoffice-app-local"
    assert (
        env["SECRET"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:local/client-secret"
    )
    assert env["LAYER"] == (
        "arn:aws:lambda:eu-west-1:123456789012:layer:superoffice-app-local-shared:1"
    )
    assert len(env["API"]) == 10
    assert env["SELF_ARN"] == worker.arn


def test_string_functions(worker: Any) -> None:
    env = worker.environment
    api = env["API"]
    assert env["SUB"] == f"https://{api}.execute-api.eu-west-1.amazonaws.com/${{Literal}}"
    assert env["SUB_LIST"] == (f"local-client-superoffice-app-local-Table-{env['TABLE_ARN']}")
    assert env["JOIN"] == "a/local/3"
    assert env["SELECT"] == "b.example"
    assert env["SPLIT_SELECT"] == "z"
    assert base64.b64decode(env["BASE64"]) == b"hello"


def test_conditions(worker: Any) -> None:
    env = worker.environment
    assert env["IF"] == "not-prod"
    assert env["IF_NESTED"] == "local-client!"
    assert env["EQUALS"] == "true"
    assert env["ANY"] == "no-any"
    assert "DROPPED" not in env


def test_production_parameters_flip_conditions(tmp_path: Path) -> None:
    template = make_template(
        tmp_path, parameters={"EnvironmentName": "production", "ClientId": "prod-client"}
    )
    env = template.function("Worker").environment
    assert env["IF"] == "prod"
    assert env["DROPPED"] == "value"
    assert env["ANY"] == "yes-any"
    assert "ProductionOnly" in template.resources_of_type("AWS::SQS::Queue")


def test_resources_of_type_respect_conditions(tmp_path: Path) -> None:
    template = make_template(tmp_path)
    assert set(template.resources_of_type("AWS::SQS::Queue")) == {"Queue", "FifoQueue"}
    assert set(template.resources_of_type("AWS::DynamoDB::Table")) == {"Table", "NamedTable"}
    assert template.function_ids() == ["Other", "Worker"]
    assert set(template.functions()) == {"Other", "Worker"}


def test_physical_ids_override_generated_names(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    template = Template(
        parse_template(TEMPLATE),
        path=path,
        parameters=PARAMETERS,
        names=LocalNames(),
        physical_ids={"Key": "1234abcd-12ab-34cd-56ef-1234567890ab"},
    )
    env = template.function("Worker").environment
    assert env["KEY_ID"] == "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert env["KEY_ARN"].endswith(":key/1234abcd-12ab-34cd-56ef-1234567890ab")


def test_public_helpers(tmp_path: Path) -> None:
    template = make_template(tmp_path)
    assert template.ref("Table") == "superoffice-app-local-Table"
    assert template.ref("Hosts") == ["a.example", "b.example"]
    assert template.get_att("Queue", "QueueUrl").endswith("/superoffice-app-local-Queue")
    assert template.condition("IsLocal") is True
    assert template.resolve({"Ref": "AWS::NoValue"}, "x") is NO_VALUE
    assert template.resolve({"a": [{"Ref": "AWS::NoValue"}, 1]}, "x") == {"a": [1]}
    assert template.parameter_values["CacheSeconds"] == "300"


def test_unknown_function_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownFunctionError, match="functions: Other, Worker") as error:
        make_template(tmp_path).function("Table")
    assert error.value.known == ["Other", "Worker"]


def with_variable(value: str) -> str:
    return TEMPLATE.replace("          NUMBER: 42", f"          NUMBER: 42\n          BAD: {value}")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!GetAZs eu-west-1", "Fn::GetAZs is not supported"),
        ("!Cidr [10.0.0.0/16, 2, 8]", "Fn::Cidr is not supported"),
        ("!ImportValue OtherStack-Export", "Fn::ImportValue 'OtherStack-Export' cannot be"),
        ("!Ref Missing", "!Ref Missing: no parameter or resource"),
        ("!Ref NoDefault", "parameter NoDefault has no value"),
        ("!Ref AWS::NotificationARNs", "pseudo parameter AWS::NotificationARNs"),
        ("!GetAtt Table.Nonsense", "Table.Nonsense (AWS::DynamoDB::Table) is not supported"),
        ("!GetAtt Missing.Arn", "Missing.Arn: no such resource"),
        ("!If [NoSuchCondition, a, b]", "no condition 'NoSuchCondition'"),
        ("!Select [5, [a, b]]", "index 5 is out of range"),
        ("!FindInMap [Sizes, stage, Memory]", "no Sizes/stage/Memory in Mappings"),
        ("!Ref Hosts", "must be a string"),
        ("{Fn::Unheard: x}", "unknown intrinsic function Fn::Unheard"),
    ],
)
def test_unsupported_or_broken_values_name_function_and_variable(
    tmp_path: Path, value: str, message: str
) -> None:
    template = make_template(tmp_path, with_variable(value))
    with pytest.raises(TemplateError, match="Worker, environment variable BAD") as error:
        template.function("Worker")
    assert message in str(error.value)
    # Only the broken function is affected.
    assert template.function("Other").handler == "other.handler"


def test_import_value_resolves_when_given(tmp_path: Path) -> None:
    text = with_variable("!ImportValue OtherStack-Export")
    path = tmp_path / "template.yaml"
    template = Template(
        parse_template(text),
        path=path,
        parameters=PARAMETERS,
        names=LocalNames(),
        imports={"OtherStack-Export": "exported"},
    )
    assert template.function("Worker").environment["BAD"] == "exported"


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"EnvironmentName": "moon", "ClientId": "local-client"}, "is not one of"),
        ({"EnvironmentName": "local", "ClientId": "X"}, "does not match"),
        ({**PARAMETERS, "CacheSeconds": "4000"}, "is above 3600"),
        ({**PARAMETERS, "CacheSeconds": "soon"}, "is not a number"),
    ],
)
def test_parameter_constraints_are_checked(
    tmp_path: Path, parameters: dict[str, str], message: str
) -> None:
    with pytest.raises(TemplateError, match=message):
        make_template(tmp_path, parameters=parameters)


def test_circular_names_are_reported(tmp_path: Path) -> None:
    text = """
Resources:
  A:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${B}-a"
  B:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${A}-b"
"""
    with pytest.raises(TemplateError, match="refers to itself"):
        make_template(tmp_path, text, parameters={}).ref("A")
