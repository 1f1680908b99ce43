"""What each health component reads: deviation features, their spread floors and wording.

Every feature is oriented so that larger is worse. ``own_baseline`` features compare a
device with its own trailing history (a machine drilling hard material at a high but
steady current is normal); the others compare it with the fleet, whose centre the
fitted model supplies as the baseline shown to people.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureSpec:
    """One model input: the deviation column, how it is shown and what it means."""

    name: str
    floor: float  # smallest spread worth resolving, in the feature's unit
    own_baseline: bool  # compares with the device's own history (needs baseline days)
    shown: str  # column shown to people as the value
    baseline: str | None  # column with the device's usual value; None = fleet centre
    template: str  # sentence with {value} and {baseline}
    fmt: str = "{:.2f}"
    weight: float = 1.0


# Floors are set so that a component leaves its normal range about a third of the way
# from a fault's onset to its failure, not at its first trace: alerts then come days to
# about three weeks ahead (tuned by day-by-day replays on simulator seeds 1 and 2 only).
COMPONENT_FEATURES: dict[str, tuple[FeatureSpec, ...]] = {
    "current_stability": (
        FeatureSpec(
            "amp_level_dev",
            0.025,
            True,
            "amp_mean",
            "amp_baseline",
            "Drilling current averages {value} A against {baseline} A usual for this machine.",
            "{:.1f}",
        ),
        FeatureSpec(
            "amp_cv_dev",
            0.013,
            True,
            "amp_cv",
            "amp_cv_baseline",
            "Drilling current fluctuates more than usual for this machine "
            "(variation {value} against {baseline}).",
            "{:.0%}",
        ),
        FeatureSpec(
            "amp_cv",
            0.013,
            False,
            "amp_cv",
            None,
            "Drilling current fluctuates more than on other machines "
            "(variation {value} against {baseline} in the fleet).",
            "{:.0%}",
        ),
        FeatureSpec(
            "spike_rate",
            0.012,
            False,
            "spike_rate",
            None,
            "Current spikes in {value} of drilling samples against {baseline} in the fleet.",
            "{:.1%}",
        ),
        FeatureSpec(
            # healthy machines never drop below standby mid-session; one stall in a day
            # of drilling stays inside the normal range (0.5 A cut, floor x tolerance = 7 %)
            "stall_rate",
            0.02,
            False,
            "stall_rate",
            None,
            "The current collapsed right after drilling in {value} of cases against "
            "{baseline} in the fleet: the motor stalls or loses power.",
            "{:.1%}",
        ),
        FeatureSpec(
            "amp_trend",
            0.006,
            True,
            "amp_trend",
            None,
            "Drilling current has drifted by {value} of its usual level per day "
            "over the last week.",
            "{:.1%}",
            weight=0.5,
        ),
    ),
    "battery_performance": (
        FeatureSpec(
            "drain_dev",
            1.5,
            True,
            "drain_per_hour",
            "drain_baseline",
            "The battery drains {value} % per operating hour against {baseline} % "
            "usual for this pod.",
            "{:.1f}",
        ),
        FeatureSpec(
            "drain_per_hour",
            1.0,
            False,
            "drain_per_hour",
            None,
            "The battery drains {value} % per operating hour against {baseline} % in the fleet.",
            "{:.1f}",
        ),
        FeatureSpec(
            "charge_deficit",
            2.0,
            True,
            "charge_level",
            "charge_baseline",
            "A full charge now reaches only {value} % against {baseline} % before: "
            "the battery is losing capacity.",
            "{:.0f}",
        ),
        FeatureSpec(
            "sudden_drops_per_session",
            0.05,
            False,
            "sudden_drops_per_session",
            None,
            "The battery level dropped suddenly {value} times per session against "
            "{baseline} in the fleet.",
            "{:.2f}",
        ),
    ),
    "gps_reliability": (
        FeatureSpec(
            "fix_loss",
            0.05,
            True,
            "fix_rate",
            "fix_baseline",
            "GPS had a position in {value} of samples against {baseline} usual for this pod.",
            "{:.0%}",
            weight=3.0,
        ),
        FeatureSpec(
            "fix_flap_rate",
            0.08,
            False,
            "fix_flap_rate",
            None,
            "The GPS position keeps dropping out and coming back ({value} of "
            "samples against {baseline} in the fleet).",
            "{:.1%}",
            weight=0.5,
        ),
        FeatureSpec(
            "gps_jump_rate",
            0.02,
            False,
            "gps_jump_rate",
            None,
            "GPS positions jump implausibly far in {value} of samples against "
            "{baseline} in the fleet.",
            "{:.1%}",
            weight=0.5,
        ),
        FeatureSpec(
            "jitter_dev",
            5.0,
            True,
            "gps_jitter_m",
            "jitter_baseline",
            "GPS positions scatter {value} m between samples against {baseline} m "
            "usual for this pod.",
            "{:.0f}",
            weight=0.5,
        ),
    ),
    "telemetry_quality": (
        FeatureSpec(
            "lost_rate",
            0.03,
            False,
            "lost_rate",
            None,
            "{value} of the pod's samples never arrived against {baseline} in the "
            "fleet: the radio link is failing.",
            "{:.0%}",
        ),
        FeatureSpec(
            "lost_dev",
            0.03,
            True,
            "lost_rate",
            "lost_baseline",
            "{value} of the pod's samples never arrived against {baseline} usual for this pod.",
            "{:.0%}",
        ),
        FeatureSpec(
            "duplicate_rate",
            0.01,
            False,
            "duplicate_rate",
            None,
            "{value} of the pod's samples arrived more than once.",
            "{:.1%}",
        ),
        FeatureSpec(
            "quarantine_rate",
            0.01,
            False,
            "quarantine_rate",
            None,
            "{value} of the pod's rows were rejected as malformed against {baseline} in the fleet.",
            "{:.1%}",
        ),
    ),
}
COMPONENTS = tuple(COMPONENT_FEATURES)
SCORED_COMPONENTS = ("current_stability", "battery_performance", "gps_reliability")
