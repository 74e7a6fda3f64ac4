"""Shared domain code of the SuperOffice partner-app backend (the Lambda layer).

Modules import only what they need so that each function's cold start pays for its own
work alone: the authorizer, for example, never imports boto3 or httpx at import time.
"""
