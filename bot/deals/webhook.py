"""`POST /hooks/deals`: the CRM webhook, exactly as the README's "Closed deals from a CRM" says.

Checks run cheapest first — size, signature, JSON, fields — and nothing is
stored unless all pass. The reply is decided before Slack is called: the
prompt DM goes out in the background (see `bot.deals.winloss.PromptQueue`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from bot.deals import intake as deals
from bot.services import Services
from bot.web import Endpoint, Reply

log = logging.getLogger(__name__)

PATH = "/hooks/deals"
MAX_BODY_BYTES = 64 * 1024
SIGNATURE_HEADER = "x-perspective-signature"


def signature_for(secret: str, body: bytes) -> str:
    """The header value a sender must compute: `sha256=<hex HMAC-SHA256 of the raw body>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deals_endpoint(services: Services) -> Endpoint:
    def receive(body: bytes, headers: dict[str, str]) -> Reply:
        secret = services.settings.deals_webhook_secret
        if not secret:
            return _error(503, "not_configured", "DEALS_WEBHOOK_SECRET is not set on the server")
        if len(body) > MAX_BODY_BYTES:
            return _error(413, "body_too_large", f"bodies are limited to {MAX_BODY_BYTES} bytes")
        if not hmac.compare_digest(signature_for(secret, body), headers.get(SIGNATURE_HEADER, "")):
            return _error(401, "bad_signature", "X-Perspective-Signature does not match the body")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "bad_json", "the body is not valid JSON", field="body")
        if not isinstance(data, dict):
            return _error(400, "bad_json", "the body must be a JSON object", field="body")
        fields = deals.read_fields(data)
        if isinstance(fields, deals.FieldError):
            return _error(400, "bad_field", fields.message, field=fields.field)
        return _record(services, fields)

    return receive


def _record(services: Services, fields: deals.DealFields) -> Reply:
    try:
        team_id = fields.team_id or services.directory.team_id()
        intake = deals.record(services, team_id, fields, source="webhook")
    except deals.SLACK_ERRORS as error:
        log.warning("deal %s not recorded, Slack unavailable: %s", fields.deal_id, error)
        return _error(503, "slack_unavailable", "Slack did not answer; send the deal again later")
    deal = intake.recorded.deal
    return Reply(
        200,
        {
            "ok": True,
            "deal_id": deal.deal_id,
            "status": intake.status,
            "outcome": deal.outcome,
            "owner_slack_id": deal.owner_id,
            "unassigned": intake.unassigned,
        },
    )


def _error(status: int, error: str, message: str, *, field: str | None = None) -> Reply:
    body: dict[str, object] = {"ok": False, "error": error, "message": message}
    if field is not None:
        body["field"] = field
    return Reply(status, body)
