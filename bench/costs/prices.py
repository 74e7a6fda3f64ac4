"""AWS prices for eu-west-1 (Europe, Ireland), arm64, in US dollars, with their sources.

No price is fetched: the table is compiled by hand from stored copies of public pricing
pages, so the estimate is reproducible and its age is visible. Where a page gave only the
us-east-1 price, or none was found, the eu-west-1 value used is marked as an assumption
and the note says what it rests on. Free tiers are ignored (a partner running three
stacks in one account would use them up once, not three times).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["COMPILED", "PRICES", "Price", "price"]

# The day the table below was compiled from the stored pages.
COMPILED: Final = "2026-12-03"


@dataclass(frozen=True)
class Price:
    key: str
    service: str
    unit: str
    usd: float
    # How many of the billed quantity the price is for: 1,000,000 requests, 10,000 calls, 1 GB.
    per: float
    source: str
    source_date: str
    # True when the eu-west-1 value is not stated by the source itself.
    assumption: bool = False
    note: str = ""


PRICES: Final[tuple[Price, ...]] = (
    Price(
        "lambda_gb_second",
        "Lambda duration, arm64 (first 7.5 billion GB-s a month)",
        "GB-second",
        0.0000133334,
        1,
        "https://cloudchipr.com/blog/aws-lambda-pricing (Arm tier table); "
        "https://aws.amazon.com/lambda/pricing/ (tiers per region and architecture)",
        "2024",
        assumption=True,
        note="the page quotes us-east-1; eu-west-1 assumed equal",
    ),
    Price(
        "lambda_request",
        "Lambda requests",
        "1 million requests",
        0.20,
        1_000_000,
        "https://aws.amazon.com/lambda/pricing/",
        "undated stored copy",
        assumption=True,
        note="not in the stored excerpt; the long-standing price in every commercial region",
    ),
    Price(
        "http_api_request",
        "API Gateway HTTP API requests (first 300 million a month, 512 KB each)",
        "1 million requests",
        1.11,
        1_000_000,
        "https://docs.aws.amazon.com/whitepapers/latest/"
        "best-practices-api-gateway-private-apis-integration/cost-optimization.html",
        "undated stored copy",
        assumption=True,
        note="the page gives us-east-1: $1.00; $1.11 is the Ireland price as remembered, "
        "not found in a stored page",
    ),
    Price(
        "dynamodb_rru",
        "DynamoDB on-demand read request units",
        "1 million RRU",
        0.1415,
        1_000_000,
        "https://engineering-ed7.pages.dev/docs/architecture/aws/services/dynamodb "
        "(Ireland, before the cut: $0.283); https://www.jusdb.com/blog/"
        "dynamodb-cost-optimization-a-comprehensive-guide-by-jusdb (on-demand -50% "
        "from 2024-11-01)",
        "2025-08-19",
        assumption=True,
        note="derived: half the pre-November-2024 Ireland price",
    ),
    Price(
        "dynamodb_wru",
        "DynamoDB on-demand write request units",
        "1 million WRU",
        0.7068,
        1_000_000,
        "as for read request units (Ireland before the cut: $1.4135)",
        "2025-08-19",
        assumption=True,
        note="derived: half the pre-November-2024 Ireland price",
    ),
    Price(
        "dynamodb_storage",
        "DynamoDB Standard table storage (first 25 GB free, ignored)",
        "GB-month",
        0.283,
        1,
        "https://engineering-ed7.pages.dev/docs/architecture/aws/services/dynamodb",
        "undated stored copy",
        note="Ireland; storage was not part of the November 2024 change",
    ),
    Price(
        "dynamodb_pitr",
        "DynamoDB point-in-time recovery (continuous backups)",
        "GB-month",
        0.22,
        1,
        "https://finops.com.py/services/dynamodb/backups (us-east-1: $0.20)",
        "undated stored copy",
        assumption=True,
        note="eu-west-1 not found; us-east-1 plus the ~10% Ireland storage premium",
    ),
    Price(
        "backup_dynamodb_warm",
        "AWS Backup, DynamoDB backup storage (warm)",
        "GB-month",
        0.11,
        1,
        "https://www.factualminds.com/blog/aws-backup-pricing-vaults-cross-region-restores/ "
        "(us-east-1: $0.10); https://aws.amazon.com/backup/pricing/",
        "2026-06-13",
        assumption=True,
        note="eu-west-1 not found; us-east-1 plus the ~10% Ireland storage premium",
    ),
    Price(
        "sqs_request",
        "SQS standard queue requests (64 KB chunks)",
        "1 million requests",
        0.40,
        1_000_000,
        "https://cloudburn.io/blog/amazon-sqs-pricing",
        "2026-03-14",
        assumption=True,
        note="the page quotes us-east-1; eu-west-1 assumed equal",
    ),
    Price(
        "kms_key_month",
        "KMS customer managed key",
        "key-month",
        1.00,
        1,
        "https://aws.amazon.com/kms/pricing/",
        "undated stored copy",
    ),
    Price(
        "kms_request",
        "KMS requests (symmetric)",
        "10,000 requests",
        0.03,
        10_000,
        "https://www.wring.co/blog/aws-kms-pricing-guide; https://aws.amazon.com/kms/pricing/",
        "undated stored copy",
    ),
    Price(
        "secret_month",
        "Secrets Manager secret",
        "secret-month",
        0.40,
        1,
        "https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms",
        "undated stored copy",
        assumption=True,
        note="region not stated; assumed to hold in eu-west-1",
    ),
    Price(
        "secret_request",
        "Secrets Manager API calls",
        "10,000 calls",
        0.05,
        10_000,
        "as for the secret-month",
        "undated stored copy",
        assumption=True,
        note="region not stated; assumed to hold in eu-west-1",
    ),
    Price(
        "eventbridge_event",
        "EventBridge custom events published",
        "1 million events",
        1.00,
        1_000_000,
        "https://cloudburn.io/blog/amazon-eventbridge-pricing "
        '("consistent across most commercial regions"); '
        "https://www.wring.co/blog/aws-eventbridge-pricing-guide",
        "2026-03-13",
    ),
    Price(
        "scheduler_invocation",
        "EventBridge Scheduler invocations (14 million a month free, ignored)",
        "1 million invocations",
        1.00,
        1_000_000,
        "https://cloudburn.io/blog/amazon-eventbridge-pricing",
        "2026-03-13",
    ),
    Price(
        "logs_ingestion",
        "CloudWatch Logs ingestion (Standard class)",
        "GB",
        0.57,
        1,
        "https://c3x.dev/blog/cloudwatch-logs-cost-optimization (us-east-1: $0.50)",
        "2026-06",
        assumption=True,
        note="eu-west-1 not found; $0.57 is the Ireland price as remembered",
    ),
    Price(
        "logs_storage",
        "CloudWatch Logs storage",
        "GB-month",
        0.03,
        1,
        "https://c3x.dev/blog/cloudwatch-logs-cost-optimization (us-east-1)",
        "2026-06",
        assumption=True,
        note="the page quotes us-east-1; eu-west-1 assumed equal",
    ),
)

_BY_KEY: Final = {entry.key: entry for entry in PRICES}


def price(key: str, quantity: float) -> float:
    """Dollars for ``quantity`` of what the entry named ``key`` bills (requests, GB, ...)."""
    entry = _BY_KEY[key]
    return quantity / entry.per * entry.usd
