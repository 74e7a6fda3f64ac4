"""The AWS services of the local stack, started on demand: DynamoDB Local and moto's server.

Used by the local runner (`make up`) and by the integration tests. Each `start_*` returns
a `RunningService` (`endpoint`, `stop()`, a context manager) once the service answers;
the service ends with the process that started it, so nothing is left running.
Clients reach the services only through `AWS_ENDPOINT_URL_<SERVICE>` settings.
"""

from local.services.dynamodb_local import (
    DynamoDBLocalRelease,
    find_dynamodb_local,
    find_java,
    start_dynamodb_local,
)
from local.services.errors import (
    DynamoDBLocalNotInstalledError,
    PortInUseError,
    ServiceError,
    ServiceStartError,
)
from local.services.moto_server import start_moto
from local.services.process import RunningService

__all__ = [
    "DynamoDBLocalNotInstalledError",
    "DynamoDBLocalRelease",
    "PortInUseError",
    "RunningService",
    "ServiceError",
    "ServiceStartError",
    "find_dynamodb_local",
    "find_java",
    "start_dynamodb_local",
    "start_moto",
]
