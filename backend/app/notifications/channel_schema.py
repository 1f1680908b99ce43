"""JSON Schema of each channel kind's config and secrets, for the OpenAPI document.

Built from the models in ``app.notifications.channels`` plus the checks their validators
make (an http(s) URL with a host; e-mail addresses), so valid data by the document is valid
data for the server.
"""

from __future__ import annotations

from typing import Any

from app.notifications.channels import (
    ADDRESS,
    EmailConfig,
    EmailSecrets,
    WebhookConfig,
    WebhookSecrets,
)

# a host name, an optional port and any path: what httpx parses and the validator accepts
URL_PATTERN = r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?(/[^\s\x00-\x1f\x7f]*)?$"
ADDRESS_PATTERN = f"^{ADDRESS.pattern}$"


def _schema(model: Any, **properties: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = model.model_json_schema()
    for name, extra in properties.items():
        schema["properties"][name] |= extra
    return schema


WEBHOOK_CONFIG = _schema(WebhookConfig, url={"pattern": URL_PATTERN})
WEBHOOK_SECRETS = _schema(WebhookSecrets)
EMAIL_CONFIG = _schema(
    EmailConfig,
    sender={"pattern": ADDRESS_PATTERN},
    recipients={"items": {"type": "string", "pattern": ADDRESS_PATTERN}},
)
EMAIL_SECRETS = _schema(EmailSecrets)
