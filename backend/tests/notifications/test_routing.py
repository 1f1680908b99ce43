"""Routing as a pure function: matchers, first match or continue, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time

from app.notifications.routing import AlertFacts, QuietHours, Rule, route

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CRITICAL_MOTOR = AlertFacts("pump-7", "CRITICAL", "motor", frozenset({"north"}))
LOW_GPS = AlertFacts("pump-8", "LOW", "gps")


def test_an_empty_rule_matches_everything_and_stops_the_search() -> None:
    rules = [Rule(1, "all", (10,)), Rule(2, "later", (20,))]
    decision = route(LOW_GPS, rules, NOON)
    assert [h.rule_name for h in decision.hits] == ["all"]
    assert decision.channels == {10: None}


def test_each_matcher_must_accept_the_alert() -> None:
    rules = [
        Rule(1, "critical only", (1,), severities=frozenset({"CRITICAL"})),
        Rule(2, "gps", (2,), issue_types=frozenset({"gps"})),
        Rule(3, "pump-9", (3,), device_ids=frozenset({"pump-9"})),
        Rule(4, "south", (4,), groups=frozenset({"south"})),
        Rule(5, "north motor", (5,), groups=frozenset({"north"}), issue_types=frozenset({"motor"})),
    ]
    assert [h.rule_id for h in route(CRITICAL_MOTOR, rules, NOON).hits] == [1]
    assert [h.rule_id for h in route(LOW_GPS, rules, NOON).hits] == [2]
    assert [h.rule_id for h in route(CRITICAL_MOTOR, rules[1:], NOON).hits] == [5]
    assert route(AlertFacts("x", "LOW", "battery"), rules, NOON).hits == ()


def test_continue_lets_later_rules_add_channels_without_duplicates() -> None:
    rules = [
        Rule(
            1,
            "page on critical",
            (1, 2),
            severities=frozenset({"CRITICAL"}),
            continue_matching=True,
        ),
        Rule(2, "disabled", (9,), enabled=False),
        Rule(3, "team mail", (2, 3)),
        Rule(4, "never reached", (4,)),
    ]
    decision = route(CRITICAL_MOTOR, rules, NOON)
    assert [h.rule_id for h in decision.hits] == [1, 3]
    assert decision.channels == {1: None, 2: None, 3: None}


def test_the_first_rule_with_an_escalation_chain_owns_the_escalation() -> None:
    rules = [
        Rule(1, "plain", (1,), continue_matching=True),
        Rule(2, "on call", (2,), escalation_channel_ids=(7, 8), continue_matching=True),
        Rule(3, "other chain", (3,), escalation_channel_ids=(9,)),
    ]
    assert route(CRITICAL_MOTOR, rules, NOON).escalation_rule_id == 2


def test_quiet_hours_defer_delivery_to_their_end_in_the_rules_time_zone() -> None:
    night = QuietHours(time(22, 0), time(6, 0), "Europe/Berlin")  # UTC+1 in March
    rules = [Rule(1, "mail", (1,), quiet=night)]
    late = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    early = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 05:00 in Berlin
    morning = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)  # 06:00 in Berlin: over
    wake = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    assert route(LOW_GPS, rules, late).channels == {1: wake}
    assert route(LOW_GPS, rules, early).channels == {1: wake}
    assert route(LOW_GPS, rules, morning).channels == {1: None}
    assert route(LOW_GPS, rules, NOON).channels == {1: None}


def test_a_daytime_window_and_a_channel_shared_with_an_unquiet_rule() -> None:
    lunch = QuietHours(time(11, 30), time(13, 0))
    rules = [
        Rule(1, "quiet lunch", (1, 2), quiet=lunch, continue_matching=True),
        Rule(2, "always", (2,)),
    ]
    decision = route(LOW_GPS, rules, NOON)
    assert decision.hits[0].deliver_after == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert decision.channels == {1: datetime(2026, 3, 2, 13, 0, tzinfo=UTC), 2: None}
