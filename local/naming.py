"""How the local stack names AWS things: pseudo parameters, physical names, ARNs, URLs.

CloudFormation invents physical names at deploy time; locally they are derived from the
stack name and the logical id (`superoffice-app-local-TenantsTable`), so the function
runner, the emulators and the tests all arrive at the same name without coordination.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from local import defaults


@dataclass(frozen=True)
class LocalNames:
    region: str = defaults.LOCAL_REGION
    account_id: str = defaults.LOCAL_ACCOUNT_ID
    stack_name: str = defaults.LOCAL_STACK_NAME
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"
    # Where queue URLs point: moto's server plays SQS locally.
    sqs_endpoint: str = defaults.MOTO_ENDPOINT

    @classmethod
    def from_environment(cls) -> LocalNames:
        """The default names, with the region taken from AWS_DEFAULT_REGION when set."""
        return cls(region=defaults.local_region())

    def pseudo_parameters(self) -> dict[str, str]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.arn(
                "cloudformation", f"stack/{self.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
        }

    def physical_name(self, logical_id: str) -> str:
        return f"{self.stack_name}-{logical_id}"

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    def function_arn(self, function_name: str) -> str:
        return self.arn("lambda", f"function:{function_name}")

    def queue_url(self, queue_name: str) -> str:
        return f"{self.sqs_endpoint.rstrip('/')}/{self.account_id}/{queue_name}"

    def api_id(self, logical_id: str) -> str:
        """A stable 10-character API id, shaped like API Gateway's."""
        return hashlib.sha256(f"{self.stack_name}/{logical_id}".encode()).hexdigest()[:10]
