"""The CloudWatch embedded-metric-format lines a function printed, read back for asserting."""

from __future__ import annotations

import json
from typing import Any


def emitted(output: str) -> list[dict[str, Any]]:
    """The EMF lines of ``output`` as records: namespace, name, value, dimensions."""
    found = []
    for line in output.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            (dimensions,) = directive["Dimensions"]
            for metric in directive["Metrics"]:
                found.append(
                    {
                        "namespace": directive["Namespace"],
                        "name": metric["Name"],
                        "value": document[metric["Name"]],
                        "dimensions": {key: document[key] for key in dimensions},
                    }
                )
    return found
