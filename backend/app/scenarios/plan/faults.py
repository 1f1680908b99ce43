"""Faults: which pods fail, how, when, and their latent condition over time.

A fault degrades one component from condition 1 (healthy) to 0 (failed). Its progress
runs on a clock: calendar time (GPS, radio; some batteries: calendar ageing) or the
machine's operating time (motor wear; battery cycle ageing: 40-90 % of batteries per
run), so wear pauses while a machine stands still and runs faster for heavy users (the
``sudden`` family counts its warnings in calendar days only).

The ramp length R is in days of typical use: per pod log-uniform between a run minimum
(drawn below the geometric middle of the family range) and a run maximum (drawn above
it), then scaled by ``ref^a * own^(1-a)`` daily use (coupling ``a`` 0-1 per run;
``slow_wear`` 0-0.3, so its ramps span weeks even for heavy users). A share of faults
(0-0.1 per run; ``sudden`` 0.2-0.5) comes with almost no warning: 0.02-0.25 days.
Failure lands at a fraction 0.25..1.15 of the pod's time in the window (beyond 1: still
degrading at the end); onset = failure - R, possibly before the window.

Shapes (weights drawn per run over the family's set): linear, accelerating (power
1.5-4), decelerating (power 0.35-0.75), knee (5-30 % of the damage by 50-90 % of the
ramp, then steep), steps (2-5 jumps). Symptoms show only past a per-pod threshold of
0..0.05-0.35 of the damage, so early wear can be invisible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints
from app.scenarios.window import DAY, SAMPLE_SECONDS

NONE, MOTOR, BATTERY, GPS, RADIO = 0, 1, 2, 3, 4
FAULT_NAMES = ("none", "motor", "battery", "gps", "radio")
SHAPES = ("linear", "accelerating", "decelerating", "knee", "steps")
STEP_SLOTS = 5


@dataclass(frozen=True)
class FaultSpec:
    """A family's fault rules; every range is drawn from per run."""

    types: tuple[str, ...] = ("motor", "battery", "gps", "radio")
    share: tuple[float, float] = (0.20, 0.35)
    ramp_days: tuple[float, float] = (3.0, 45.0)
    shapes: tuple[str, ...] = SHAPES
    failure_at: tuple[float, float] = (0.25, 1.15)
    usage_clocks: bool = True
    coupling: tuple[float, float] = (0.0, 1.0)
    abrupt: tuple[float, float] = (0.0, 0.1)
    silent: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {
            "motor": (0.4, 0.9),
            "battery": (0.3, 0.8),
            "gps": (0.0, 0.0),
            "radio": (1.0, 1.0),
        }
    )


@dataclass(frozen=True)
class Faults:
    """Per pod: fault type, clock, timing (clock seconds and epoch seconds) and shape."""

    kind: Ints
    usage_clock: Bools
    onset: Floats
    failure: Floats
    shape: Ints
    power: Floats
    knee: Floats
    steps: Floats
    threshold: Floats
    silent: Bools
    onset_ts: Floats
    failure_ts: Floats
    ramp_days: Floats


@dataclass(frozen=True)
class Draft:
    """Faults chosen but not yet placed in time."""

    kind: Ints
    usage_clock: Bools
    ramp_days: Floats
    position: Floats
    shape: Ints
    power: Floats
    knee: Floats
    steps: Floats
    threshold: Floats
    silent: Bools
    coupling: float


def draft_faults(d: Draws, rng: np.random.Generator, spec: FaultSpec, n: int) -> Draft:
    """Pick the faulty pods, their fault types, clocks, shapes and ramp lengths."""
    kind = _kinds(d, rng, spec, n)
    faulty = kind != NONE
    cycle = d.uniform("battery_usage_clock_share", 0.4, 0.9) if spec.usage_clocks else 0.0
    usage_clock = (kind == MOTOR) | ((kind == BATTERY) & (rng.random(n) < cycle))
    usage_clock &= spec.usage_clocks
    silent_odds = np.zeros(len(FAULT_NAMES))
    for name in spec.types:
        silent_odds[FAULT_NAMES.index(name)] = d.uniform(f"silent_share_{name}", *spec.silent[name])
    shape_weights = d.weights("shape_weights", spec.shapes)
    shape_ids = np.array([SHAPES.index(s) for s in spec.shapes])
    shape = shape_ids[rng.choice(len(spec.shapes), size=n, p=np.array(shape_weights))]
    power = np.where(
        shape == SHAPES.index("accelerating"), rng.uniform(1.5, 4.0, n), rng.uniform(0.35, 0.75, n)
    )
    knee = np.stack(
        [rng.uniform(0.5, 0.9, n), rng.uniform(0.05, 0.3, n), rng.uniform(1, 2.5, n)], 1
    )
    count = rng.integers(2, STEP_SLOTS + 1, n)
    steps = np.sort(rng.uniform(0.05, 0.95, (n, STEP_SLOTS)), axis=1)
    steps = np.where(np.arange(STEP_SLOTS) < count[:, None], steps, np.inf)
    lo, hi = spec.ramp_days
    middle = float(np.sqrt(lo * hi))
    ramp_lo, ramp_hi = (
        d.uniform("ramp_days_min", lo, middle),
        d.uniform("ramp_days_max", middle, hi),
    )
    hidden = d.uniform("symptom_threshold_max", 0.05, 0.35)
    ramp = np.exp(rng.uniform(np.log(ramp_lo), np.log(ramp_hi), n))
    abrupt = rng.random(n) < d.uniform("abrupt_share", *spec.abrupt)
    ramp = np.where(abrupt, np.exp(rng.uniform(np.log(0.02), np.log(0.25), n)), ramp)
    draft = Draft(
        kind=kind,
        usage_clock=usage_clock & faulty,
        ramp_days=np.where(faulty, ramp, 0.0),
        position=rng.uniform(*spec.failure_at, n),
        shape=shape,
        power=power,
        knee=knee,
        steps=steps,
        threshold=rng.uniform(0.0, hidden, n),
        silent=faulty & (rng.random(n) < silent_odds[kind]),
        coupling=d.uniform("wear_usage_coupling", *spec.coupling),
    )
    d.summarise("ramp_days", draft.ramp_days[faulty])
    return draft


def _kinds(d: Draws, rng: np.random.Generator, spec: FaultSpec, n: int) -> Ints:
    """Fault type per pod: a share of the fleet, every allowed type present when possible."""
    count = min(n, max(1, round(n * d.uniform("faulty_share", *spec.share))))
    weights = np.array(d.weights("fault_type_weights", spec.types, concentration=4.0))
    codes = np.array([FAULT_NAMES.index(t) for t in spec.types])
    drawn = codes[rng.choice(codes.size, size=count, p=weights)]
    sure = min(count, codes.size)
    drawn[:sure] = rng.permutation(codes)[:sure]
    kind = np.zeros(n, dtype=np.int64)
    kind[rng.permutation(n)[:count]] = drawn
    return kind


@dataclass(frozen=True)
class Usage:
    """Planned machine use per session (sorted by pod then time) and per pod."""

    device: Ints
    start: Ints
    clock_start: Ints
    samples: Ints
    total: Floats
    per_day: Floats


def schedule(draft: Draft, use: Usage, span: tuple[Ints, Ints], t0: int) -> Faults:
    """Place each fault on its clock and find its onset and failure times (NaN outside)."""
    join_s, end_s = span[0] * DAY, span[1] * DAY
    faulty = draft.kind != NONE
    usage_clock = draft.usage_clock & (use.total > 0)
    target: Floats = (join_s + draft.position * (end_s - join_s)).astype(np.float64)
    rate = use.per_day
    reference = float(np.median(rate[rate > 0])) if (rate > 0).any() else 0.0
    coupled = reference**draft.coupling * rate ** (1 - draft.coupling)
    ramp = np.where(usage_clock, draft.ramp_days * coupled, draft.ramp_days * DAY)
    ramp = np.maximum(ramp, SAMPLE_SECONDS * 2)
    after = np.maximum(target - end_s, 0.0) / DAY * rate
    target_use = np.where(target < end_s, usage_at(use, target + t0, t0), use.total + after)
    failure = np.where(usage_clock, target_use, target)
    floor = np.where(usage_clock, 0.0, join_s.astype(np.float64))
    late = span[0] > 0
    onset = np.where(late, np.maximum(failure - ramp, floor), failure - ramp)
    failure = np.maximum(failure, onset + SAMPLE_SECONDS)
    onset_ts, failure_ts = _times(use, usage_clock, (onset, failure), t0, (join_s, end_s))
    nan = np.full(faulty.size, np.nan)
    return Faults(
        kind=draft.kind,
        usage_clock=usage_clock,
        onset=np.where(faulty, onset, np.inf),
        failure=np.where(faulty, failure, np.inf),
        shape=draft.shape,
        power=draft.power,
        knee=draft.knee,
        steps=draft.steps,
        threshold=draft.threshold,
        silent=draft.silent,
        onset_ts=np.where(faulty, onset_ts, nan),
        failure_ts=np.where(faulty, failure_ts, nan),
        ramp_days=draft.ramp_days,
    )


KEY = 1_000_000_000


def usage_at(use: Usage, when: Floats, t0: int) -> Floats:
    """Each pod's operating seconds at epoch time ``when`` (one time per pod)."""
    pods = when.size
    if use.device.size == 0:
        return np.zeros(pods)
    key = use.device * KEY + (use.start - t0)
    probe = np.arange(pods) * KEY + np.clip(when - t0, -1, KEY - 1)
    at = np.searchsorted(key, probe, side="right") - 1
    safe = np.maximum(at, 0)
    has = (at >= 0) & (use.device[safe] == np.arange(pods))
    into = np.clip(when - use.start[safe], 0, use.samples[safe] * SAMPLE_SECONDS)
    return np.where(has, use.clock_start[safe] + into, 0.0)


def _times(
    use: Usage,
    usage_clock: Bools,
    timing: tuple[Floats, Floats],
    t0: int,
    span: tuple[Ints, Ints],
) -> tuple[Floats, Floats]:
    """Epoch seconds of onset and failure, NaN when outside the pod's time in the window."""
    onset, failure = timing
    join_s, end_s = span
    cal_onset = np.where((onset >= join_s) & (onset < end_s), t0 + onset, np.nan)
    cal_failure = np.where((failure >= join_s) & (failure < end_s), t0 + failure, np.nan)
    started = (onset > 0) | ((onset == 0) & (join_s > 0))
    use_onset = np.where(started, time_of_usage(use, onset), np.nan)
    use_failure = time_of_usage(use, failure)
    return (
        np.where(usage_clock, use_onset, cal_onset),
        np.where(usage_clock, use_failure, cal_failure),
    )


def time_of_usage(use: Usage, clock: Floats) -> Floats:
    """Epoch seconds when each pod's operating clock reaches ``clock`` (NaN if never)."""
    pods = clock.size
    if use.device.size == 0:
        return np.full(pods, np.nan)
    ends = use.clock_start + use.samples * SAMPLE_SECONDS
    key = (use.device * KEY + ends).astype(np.float64)
    reach = np.clip(np.nan_to_num(clock, nan=-1.0, posinf=KEY), -1.0, KEY - 1.0)
    at = np.searchsorted(key, np.arange(pods) * KEY + reach, side="left")
    at = np.minimum(at, use.device.size - 1)
    inside = (use.device[at] == np.arange(pods)) & (clock <= ends[at]) & (clock >= 0)
    seconds = use.start[at] + np.maximum(clock - use.clock_start[at], 0.0)
    return np.where(inside, np.floor(seconds), np.nan)


def severity(f: Faults, dev: Ints, calendar: Floats, usage: Floats) -> Floats:
    """Damage 0..1 of each sample's faulty component (1 = failed; 0 for healthy pods)."""
    clock = np.where(f.usage_clock[dev], usage, calendar)
    onset, failure = f.onset[dev], f.failure[dev]
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.clip((clock - onset) / (failure - onset), 0.0, 1.0)
    x = np.where(np.isfinite(onset), x, 0.0)
    shape = f.shape[dev]
    power = np.where(x > 0, x ** f.power[dev], 0.0)
    knee_x, knee_y, knee_p = f.knee[dev, 0], f.knee[dev, 1], f.knee[dev, 2]
    past = np.clip((x - knee_x) / (1 - knee_x), 0.0, 1.0)
    knee = np.where(x < knee_x, knee_y * x / knee_x, knee_y + (1 - knee_y) * past**knee_p)
    count = np.isfinite(f.steps[dev]).sum(axis=1)
    steps = (x[:, None] >= f.steps[dev]).sum(axis=1) / (count + 1)
    damage = np.select(
        [shape == SHAPES.index(s) for s in ("accelerating", "decelerating", "knee", "steps")],
        [power, power, knee, steps],
        x,
    )
    return np.where(x >= 1.0, 1.0, np.minimum(damage, 1.0))


def symptom(f: Faults, dev: Ints, damage: Floats) -> Floats:
    """How strongly damage shows: nothing below the pod's threshold, full at failure."""
    threshold = f.threshold[dev]
    return np.clip((damage - threshold) / (1.0 - threshold), 0.0, 1.0)


def daily_condition(f: Faults, use_by_day: Floats, days: int) -> Floats:
    """[pods, days] condition of each pod's faulty component at the end of each day."""
    pods = f.kind.size
    dev = np.repeat(np.arange(pods), days)
    calendar = np.tile((np.arange(days) + 1.0) * DAY, pods)
    damage = severity(f, dev, calendar, use_by_day.ravel())
    condition = np.round(1.0 - damage, 4)
    condition = np.where(damage >= 1.0, 0.0, np.maximum(condition, 0.0001))
    condition = np.where(damage <= 0.0, 1.0, condition)
    return condition.reshape(pods, days)
