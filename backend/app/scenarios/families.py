"""Scenario families: an ordinary fleet plus one special feature, drawn per run.

Every family mixes faulty pods (20-35 %) with healthy pods carrying its confounder, so
recall, precision and false alarms on confounded healthy pods can all be measured. A
family function draws its own shares and returns a :class:`FamilySpec`; the ranges of
everything else live with the part that uses them (see each module's docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from app.scenarios.draws import Draws
from app.scenarios.plan.faults import FaultSpec


@dataclass(frozen=True)
class FamilySpec:
    """What a family adds to an ordinary fleet."""

    profiles: dict[str, float] = field(default_factory=dict)
    faults: FaultSpec = field(default_factory=FaultSpec)
    no_fix_sites: float = 0.0
    cold: bool = False


def _capped(spec: FaultSpec, days: int) -> FaultSpec:
    """Ramps no longer than the window allows (long families need long windows)."""
    hi = min(spec.ramp_days[1], 0.9 * days)
    return replace(spec, ramp_days=(min(spec.ramp_days[0], 0.5 * hi), hi))


def normal(d: Draws, days: int) -> FamilySpec:
    """Ordinary fleet, mixed faults."""
    return FamilySpec(faults=_capped(FaultSpec(), days))


def no_fix_sites(d: Draws, days: int) -> FamilySpec:
    """Sites without GPS reception; pods move between open and no-fix sites; GPS faults too."""
    return FamilySpec(
        profiles={"no_fix_site": d.uniform("share_no_fix_site", 0.2, 0.5)},
        faults=_capped(FaultSpec(), days),
        no_fix_sites=d.uniform("no_fix_site_share", 0.10, 0.35),
    )


def collisions(d: Draws, days: int) -> FamilySpec:
    """A second pod reports under some device_ids for minutes to hours."""
    return FamilySpec(
        profiles={"collision": d.uniform("share_collision", 0.10, 0.35)},
        faults=_capped(FaultSpec(), days),
    )


def thin_days(d: Draws, days: int) -> FamilySpec:
    """Many days with 1-10 samples, sometimes with odd currents."""
    return FamilySpec(
        profiles={"thin_days": d.uniform("share_thin_days", 0.2, 0.5)},
        faults=_capped(FaultSpec(), days),
    )


def heavy_users(d: Draws, days: int) -> FamilySpec:
    """Pods drilling 3-6 h a day beside ordinary and light (5-15 min a day) users."""
    return FamilySpec(
        profiles={
            "heavy_user": d.uniform("share_heavy_user", 0.10, 0.30),
            "light_user": d.uniform("share_light_user", 0.10, 0.30),
        },
        faults=_capped(FaultSpec(), days),
    )


def lifecycle(d: Draws, days: int) -> FamilySpec:
    """Vacations, pods joining mid-window and pods retired mid-window."""
    return FamilySpec(
        profiles={
            "vacation": d.uniform("share_vacation", 0.08, 0.20),
            "new_pod": d.uniform("share_new_pod", 0.08, 0.20),
            "retired_pod": d.uniform("share_retired_pod", 0.05, 0.15),
        },
        faults=_capped(FaultSpec(), days),
    )


def slow_wear(d: Draws, days: int) -> FamilySpec:
    """Battery ageing and motor wear over 4-20 weeks of use; light to heavy users."""
    spec = FaultSpec(
        types=("motor", "battery"),
        ramp_days=(28.0, 140.0),
        shapes=("linear", "accelerating", "knee", "steps"),
        failure_at=(0.45, 1.15),
        coupling=(0.0, 0.3),
        abrupt=(0.0, 0.0),
    )
    return FamilySpec(
        profiles={
            "heavy_user": d.uniform("share_heavy_user", 0.10, 0.25),
            "light_user": d.uniform("share_light_user", 0.10, 0.25),
            "weak_cell": d.uniform("share_weak_cell", 0.05, 0.15),
            "hard_material": d.uniform("share_hard_material", 0.05, 0.15),
        },
        faults=_capped(spec, days),
    )


def sudden(d: Draws, days: int) -> FamilySpec:
    """Failures with 0-5 days of warning; healthy pods with one-off glitch days."""
    return FamilySpec(
        profiles={"transient_glitch": d.uniform("share_transient_glitch", 0.10, 0.30)},
        faults=_capped(
            FaultSpec(ramp_days=(0.5, 5.0), usage_clocks=False, abrupt=(0.2, 0.5)), days
        ),
    )


def silent_failure(d: Draws, days: int) -> FamilySpec:
    """Pods go silent at failure; healthy pods go silent too (idle weeks, flat batteries)."""
    always = (1.0, 1.0)
    spec = FaultSpec(
        types=("motor", "battery", "radio"),
        silent={"motor": always, "battery": always, "radio": always},
    )
    return FamilySpec(
        profiles={
            "idle_weeks": d.uniform("share_idle_weeks", 0.10, 0.25),
            "flat_battery": d.uniform("share_flat_battery", 0.05, 0.15),
        },
        faults=_capped(spec, days),
    )


def cold_weeks(d: Draws, days: int) -> FamilySpec:
    """A 1-3 week cold spell over the fleet or a region (reversible); faults too."""
    return FamilySpec(faults=_capped(FaultSpec(), days), cold=True)


Family = Callable[[Draws, int], FamilySpec]

REGISTRY: dict[str, Family] = {
    "normal": normal,
    "no_fix_sites": no_fix_sites,
    "collisions": collisions,
    "thin_days": thin_days,
    "heavy_users": heavy_users,
    "lifecycle": lifecycle,
    "slow_wear": slow_wear,
    "sudden": sudden,
    "silent_failure": silent_failure,
    "cold_weeks": cold_weeks,
}

FAMILIES: dict[str, str] = {
    name: (fn.__doc__ or "").strip().splitlines()[0] for name, fn in REGISTRY.items()
}

PROFILES = (
    "normal",
    "no_fix_site",
    "collision",
    "thin_days",
    "heavy_user",
    "light_user",
    "vacation",
    "new_pod",
    "retired_pod",
    "cold_weeks",
    "weak_cell",
    "hard_material",
    "transient_glitch",
    "idle_weeks",
    "flat_battery",
)
