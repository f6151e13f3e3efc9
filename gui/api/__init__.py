"""The vendor API: signing, the shared client, models and errors. Imports nothing from Qt.

Importing it does not import requests or urllib3 either: the first ``TogaClient`` does.
"""

from .client import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, MAX_ANSWER_BYTES, TogaClient
from .errors import (
    ApiError,
    AuthError,
    CancelledError,
    ConflictError,
    NetworkError,
    NotFoundError,
    RedirectError,
    ResponseError,
    ServerError,
    TlsError,
    ValidationError,
)
from .models import Order, OrderType, Priority, Reply, Status, Ticket, WebhookEvent, WebhookType

# The key pair published in both spec documents; the sandbox accepts it, production never does.
SAMPLE_PUBLIC_KEY = "1111AAAA-22BB-33CC-44DD-555555EEEEEE"
SAMPLE_SECRET_KEY = "EEEE5555-DD44-CC33-BB22-AAAAAA111111"  # noqa: S105 (public sample)

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_TIMEOUT",
    "MAX_ANSWER_BYTES",
    "SAMPLE_PUBLIC_KEY",
    "SAMPLE_SECRET_KEY",
    "ApiError",
    "AuthError",
    "CancelledError",
    "ConflictError",
    "NetworkError",
    "NotFoundError",
    "Order",
    "OrderType",
    "Priority",
    "RedirectError",
    "Reply",
    "ResponseError",
    "ServerError",
    "Status",
    "Ticket",
    "TlsError",
    "TogaClient",
    "ValidationError",
    "WebhookEvent",
    "WebhookType",
]
