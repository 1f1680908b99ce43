"""Notice text as pure functions: a grouped notice -> subject, plain text, HTML, and the
webhook bodies (DrillWatch JSON, Slack, Microsoft Teams)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

ISSUES = {"motor": "motor", "battery": "pod battery", "gps": "GPS", "telemetry": "telemetry"}
OUTCOMES = {
    "confirmed_fault": "confirmed fault",
    "false_alarm": "false alarm",
    "maintenance_done": "maintenance done",
}
COLOURS = {"LOW": "2E7D32", "MEDIUM": "F9A825", "HIGH": "EF6C00", "CRITICAL": "C62828"}
SCHEMA = "drillwatch.notice.v1"


@dataclass(frozen=True)
class Message:
    """A notice rendered for people."""

    subject: str
    text: str
    html: str
    link: str | None


def _issue(event: dict[str, Any]) -> str:
    return ISSUES.get(str(event.get("issue_type")), str(event.get("issue_type")))


def headline(event: dict[str, Any]) -> str:
    """One line saying what happened to the alert."""
    what = f"{event['severity']} {_issue(event)} alert"
    kind = event["event"]
    if kind == "new":
        offline = " (pod offline)" if event.get("kind") == "offline" else ""
        return f"New {what}{offline}"
    if kind == "severity_raised":
        return f"{_issue(event).capitalize()} alert raised to {event['severity']}"
    if kind == "escalated":
        return f"Escalated (step {event.get('level', 1)}): {what} not acknowledged"
    if kind == "reminder":
        return f"Reminder: {what} still not acknowledged"
    if kind == "acknowledged":
        return f"{what.capitalize()} acknowledged by {event.get('acknowledged_by') or '?'}"
    outcome = OUTCOMES.get(str(event.get("outcome")), str(event.get("outcome")))
    return f"{what.capitalize()} resolved by {event.get('resolved_by') or '?'}: {outcome}"


def facts(event: dict[str, Any]) -> list[str]:
    """Short lines under the headline: prediction, confidence, notes, actions."""
    lines = []
    if event["event"] in ("new", "severity_raised", "escalated", "reminder"):
        lines.append(f"Expected failure: {event.get('predicted_timeframe') or 'not predicted'}")
        confidence = event.get("confidence")
        if isinstance(confidence, int | float):
            lines.append(f"Failure probability within the horizon: {confidence:.0%}")
        lines += [f"Action: {a}" for a in event.get("recommended_actions") or []][:3]
    notes = event.get("resolution_notes") or event.get("acknowledged_notes")
    if event["event"] in ("acknowledged", "resolved") and notes:
        lines.append(f"Notes: {notes}")
    if event.get("note"):
        lines.append(f"Note: {event['note']}")
    return lines


def render(payload: dict[str, Any], dashboard_url: str = "") -> Message:
    """Subject, plain text and HTML of a grouped notice for one device."""
    device = str(payload["device_id"])
    events: list[dict[str, Any]] = payload["events"]
    first = headline(events[0])
    more = f" (+{len(events) - 1} more)" if len(events) > 1 else ""
    subject = f"[DrillWatch] {device}: {first}{more}"
    link = f"{dashboard_url}/alerts?device={quote(device)}" if dashboard_url else None
    text_parts = [f"Device {device}: {len(events)} alert update(s)", ""]
    html_parts = [f"<h2>Device {html.escape(device)}</h2>"]
    for event in events:
        lines = facts(event)
        text_parts += [f"* {headline(event)}", *(f"  {line}" for line in lines), ""]
        colour = COLOURS.get(str(event["severity"]), "555555")
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        html_parts.append(
            f'<h3 style="color:#{colour}">{html.escape(headline(event))}</h3><ul>{items}</ul>'
        )
    if link:
        text_parts.append(f"Open in DrillWatch: {link}")
        html_parts.append(f'<p><a href="{html.escape(link)}">Open in DrillWatch</a></p>')
    return Message(subject, "\n".join(text_parts).rstrip() + "\n", "".join(html_parts), link)


def json_body(payload: dict[str, Any], key: str, message: Message) -> dict[str, Any]:
    """The DrillWatch webhook body: the notice, its idempotency key and rendered text."""
    return {
        "schema": SCHEMA,
        "idempotency_key": key,
        "device_id": payload["device_id"],
        "subject": message.subject,
        "text": message.text,
        "link": message.link,
        "events": payload["events"],
        "created_at": payload.get("created_at"),
    }


def slack_body(payload: dict[str, Any], key: str, message: Message) -> dict[str, Any]:
    """A Slack incoming-webhook body (text fallback plus blocks)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.subject[:150]}}
    ]
    for event in payload["events"]:
        body = "\n".join([f"*{headline(event)}*", *facts(event)])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}})
    if message.link:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{message.link}|Open>"}]}
        )
    return {"text": message.subject, "blocks": blocks, "idempotency_key": key}


def teams_body(payload: dict[str, Any], key: str, message: Message) -> dict[str, Any]:
    """A Microsoft Teams workflow webhook body (an Adaptive Card in a message)."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": message.subject},
    ]
    for event in payload["events"]:
        body.append({"type": "TextBlock", "weight": "Bolder", "text": headline(event)})
        body += [{"type": "TextBlock", "wrap": True, "text": line} for line in facts(event)]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open", "url": message.link}]
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return {"type": "message", "attachments": [attachment], "idempotency_key": key}


FORMATS = {"json": json_body, "slack": slack_body, "teams": teams_body}
