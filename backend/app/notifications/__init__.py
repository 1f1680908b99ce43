"""Notifications: alerts that reach people.

Data flow, each step in its own module:
``detection`` diffs alerts against what notifications last saw and records lifecycle
events; ``holds`` (silences, inhibition) and ``routing`` decide, as pure functions, who
hears of them; ``grouping`` turns a device's events into one notice per channel in the
``outbox``; ``escalation`` adds escalations and reminders; the ``dispatcher`` thread runs
those steps and delivers notices through ``channels`` (webhook, e-mail).
"""
