"""Plan a whole run: pods, sites, calendar, sessions, faults, battery and collisions.

Everything here is per pod, per day or per session (tens of thousands of values), so the
rows can then be made day by day with little memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints, stream
from app.scenarios.families import FamilySpec
from app.scenarios.parts import battery, gps, motor, radio, tags
from app.scenarios.plan import calendar as cal
from app.scenarios.plan import charging, collisions, faults, fleet, sites, usage, weather
from app.scenarios.window import SAMPLE_SECONDS, Window


@dataclass(frozen=True)
class Symptoms:
    """How each pod's fault shows, per component."""

    motor: motor.MotorSymptoms
    battery: battery.BatterySymptoms
    gps: gps.GpsSymptoms
    radio: radio.RadioSymptoms


@dataclass(frozen=True)
class Parts:
    """The fleet's hardware: machines, cells, receivers, radios, tag habits."""

    machines: motor.Machines
    cells: battery.Cells
    receivers: gps.Receivers
    radios: radio.Radios
    tags: tags.TagHabits


@dataclass(frozen=True)
class Placed:
    """Per session: site, job spot, tag in range, samples sent and first seq."""

    site: Ints
    lat: Floats
    lon: Floats
    tag: Ints
    sent: Ints
    seq: Ints
    power: charging.Power


@dataclass(frozen=True)
class RunPlan:
    """Everything drawn for a run before its rows."""

    window: Window
    pods: fleet.Pods
    sites: sites.Sites
    calendar: cal.Calendar
    parts: Parts
    symptoms: Symptoms
    faults: faults.Faults
    sessions: usage.Sessions
    placed: Placed
    twins: collisions.Twins
    use_by_day: Floats
    by_day: Ints = field(init=False, repr=False)
    day_bounds: Ints = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sending = np.flatnonzero(self.placed.sent > 0)
        by_day = sending[np.argsort(self.sessions.day[sending], kind="stable")]
        bounds = np.searchsorted(self.sessions.day[by_day], np.arange(self.window.days + 1))
        object.__setattr__(self, "by_day", by_day)
        object.__setattr__(self, "day_bounds", bounds)

    def sessions_on(self, day: int) -> Ints:
        """Indices of the sessions on ``day`` that sent at least one sample."""
        return self.by_day[self.day_bounds[day] : self.day_bounds[day + 1]]


def plan_run(spec: FamilySpec, d: Draws, window: Window, n: int, seed: int) -> RunPlan:
    """Draw the whole plan of a run."""
    draft = faults.draft_faults(d, stream(seed, "faults"), spec.faults, n)
    rng = stream(seed, "fleet")
    profile = fleet.assign_profiles(d, rng, spec.profiles, draft.kind != faults.NONE)
    pods = fleet.make_pods(rng, profile)
    calendar, usable = _calendar(spec, d, stream(seed, "calendar"), pods, window.days)
    pods = replace(pods, profile=_cold_profile(pods.profile, calendar.cold))
    site_table = sites.draw_sites(d, stream(seed, "site-table"), n, spec.no_fix_sites)
    parts = _parts(d, stream(seed, "parts"), pods, site_table.tag.size)
    symptoms = _symptoms(d, stream(seed, "symptoms"), draft.kind)
    sessions = _sessions(d, stream(seed, "usage"), window, pods, calendar, usable)
    use = _usage(sessions, calendar)
    scheduled = faults.schedule(draft, use, (calendar.join_day, calendar.retire_day), window.t0)
    run = _Run(d, seed, window, pods, calendar, parts, symptoms, scheduled)
    placed = _place(run, site_table, sessions)
    return RunPlan(
        window=window,
        pods=pods,
        sites=site_table,
        calendar=calendar,
        parts=parts,
        symptoms=symptoms,
        faults=scheduled,
        sessions=sessions,
        placed=placed,
        twins=_twins(run, sessions, placed),
        use_by_day=_use_by_day(sessions, n, window.days),
    )


def _sessions(
    d: Draws,
    rng: np.random.Generator,
    window: Window,
    pods: fleet.Pods,
    calendar: cal.Calendar,
    usable: Floats,
) -> usage.Sessions:
    """Usage habits by profile, then every session of the run."""
    kind = np.select(
        [pods.has("heavy_user"), pods.has("light_user")], [usage.HEAVY, usage.LIGHT], usage.NORMAL
    )
    users = usage.draw_users(d, rng, kind.astype(np.int64))
    return usage.plan_sessions(rng, window, users, usable, calendar.thin_share)


def _twins(run: _Run, sessions: usage.Sessions, placed: Placed) -> collisions.Twins:
    """Second pods reporting under ``collision`` pods' ids, inside the owners' days."""
    silent_end = np.where(run.faults.silent, run.faults.failure_ts, np.nan)
    owners = collisions.Owners(
        device=sessions.device,
        day=sessions.day,
        start=sessions.start,
        sent=placed.sent,
        lat=placed.lat,
        lon=placed.lon,
        end_ts=silent_end[sessions.device],
    )
    rng = stream(run.seed, "collisions")
    return collisions.plan_twins(run.d, rng, owners, run.pods.has("collision"), run.window.days)


def _calendar(
    spec: FamilySpec, d: Draws, rng: np.random.Generator, pods: fleet.Pods, days: int
) -> tuple[cal.Calendar, Floats]:
    """Existence, days off, cold and day-level oddities; and how usable each day is."""
    n = pods.profile.size
    join, retire, off = cal.lifecycle(d, rng, pods.profile, days)
    thin_share, odd = cal.thin_days(d, rng, pods.has("thin_days"))
    cold = np.zeros((n, days))
    usage_loss = 0.0
    if spec.cold:
        cold, _, usage_loss = weather.cold_spell(d, rng, pods.home_lat, pods.home_lon, days)
    calendar = cal.Calendar(
        join_day=join,
        retire_day=retire,
        available=~off,
        glitch=cal.glitches(rng, pods.has("transient_glitch"), days),
        thin_share=thin_share,
        odd=odd,
        cold=cold,
    )
    usable = (calendar.exists & calendar.available) * (1.0 - usage_loss * cold)
    return calendar, usable


def _cold_profile(profile: np.ndarray, cold: Floats) -> np.ndarray:
    """Pods the cold spell hits carry the ``cold_weeks`` profile (if they had none)."""
    hit = (cold > 0).any(axis=1) & (profile == "normal")
    return np.where(hit, "cold_weeks", profile).astype(object)


def _parts(d: Draws, rng: np.random.Generator, pods: fleet.Pods, site_count: int) -> Parts:
    """Draw the fleet's hardware (tag addresses: the sites' first, then tool tags)."""
    n = pods.profile.size
    machines = motor.draw_machines(d, rng, n)
    cells = battery.draw_cells(d, rng, pods.has("weak_cell"))
    receivers = gps.draw_receivers(d, rng, n)
    radios = radio.draw_radios(d, rng, n)
    return Parts(machines, cells, receivers, radios, tags.draw_tag_habits(d, rng, n, site_count))


def _symptoms(d: Draws, rng: np.random.Generator, kind: Ints) -> Symptoms:
    """Draw how each fault shows."""
    return Symptoms(
        motor=motor.draw_motor_symptoms(d, rng, kind == faults.MOTOR),
        battery=battery.draw_battery_symptoms(d, rng, kind == faults.BATTERY),
        gps=gps.draw_gps_symptoms(d, rng, kind == faults.GPS),
        radio=radio.draw_radio_symptoms(d, rng, kind == faults.RADIO),
    )


def _usage(sessions: usage.Sessions, calendar: cal.Calendar) -> faults.Usage:
    """Machine use per session and per pod (total and per day of existence)."""
    pods = calendar.join_day.size
    used = sessions.samples * SAMPLE_SECONDS
    total = np.bincount(sessions.device, weights=used, minlength=pods).astype(np.float64)
    existence = np.maximum(calendar.retire_day - calendar.join_day, 1)
    return faults.Usage(
        device=sessions.device,
        start=sessions.start,
        clock_start=sessions.usage_start,
        samples=sessions.samples,
        total=total,
        per_day=total / existence,
    )


def _use_by_day(sessions: usage.Sessions, pods: int, days: int) -> Floats:
    """[pods, days] operating seconds from the window start to the end of each day."""
    daily = np.zeros(pods * days)
    np.add.at(daily, sessions.device * days + sessions.day, sessions.samples * SAMPLE_SECONDS)
    return np.cumsum(daily.reshape(pods, days), axis=1)


@dataclass(frozen=True)
class _Run:
    """What placing sessions needs from the earlier steps."""

    d: Draws
    seed: int
    window: Window
    pods: fleet.Pods
    calendar: cal.Calendar
    parts: Parts
    symptoms: Symptoms
    faults: faults.Faults


def _place(run: _Run, site_table: sites.Sites, sessions: usage.Sessions) -> Placed:
    """Sites and tags of sessions, then the battery and what each session sends."""
    rng = stream(run.seed, "sites")
    pods = run.pods
    rounds = sites.draw_rounds(
        run.d, rng, site_table, pods.has("no_fix_site"), pods.has("hard_material")
    )
    by_day = sites.day_sites(rng, rounds, run.window.days)
    site = sites.session_sites(rng, rounds, by_day, sessions.device, sessions.day)
    spot = run.parts.receivers.spot_m
    lat = site_table.lat[site] + rng.normal(0, spot, site.size) / gps.M_PER_DEG_LAT
    lon = site_table.lon[site] + rng.normal(0, spot, site.size) / gps.M_PER_DEG_LON
    tag = tags.session_tags(rng, run.parts.tags, site_table.tag[site], sessions.device)
    cap = _silent_cap(sessions, run.faults)
    power = _power(run, sessions, cap)
    sent = np.minimum(cap, power.alive)
    seq = pods.seq0[sessions.device] + usage.group_cumsum(sent, sessions.device) - sent
    return Placed(site, lat, lon, tag, sent, seq, power)


def _rested(sessions: usage.Sessions) -> Bools:
    """Sessions on a pod's first working day after two or more idle days."""
    dev, day = sessions.device, sessions.day
    new_pod = np.diff(dev, prepend=-1) != 0
    first_of_day = new_pod | (np.diff(day, prepend=-1) != 0)
    rested = first_of_day & ~new_pod & (np.diff(day, prepend=0) >= 3)
    on_day: Bools = rested[np.flatnonzero(first_of_day)][np.cumsum(first_of_day) - 1]
    return on_day


def _silent_cap(sessions: usage.Sessions, f: faults.Faults) -> Ints:
    """Samples a session can send before a silent failure ends the pod."""
    failure = f.failure_ts[sessions.device]
    silent = f.silent[sessions.device] & np.isfinite(failure)
    room = np.ceil((np.nan_to_num(failure) - sessions.start) / SAMPLE_SECONDS)
    return np.where(silent, np.clip(room, 0, sessions.samples), sessions.samples).astype(np.int64)


def _power(run: _Run, sessions: usage.Sessions, cap: Ints) -> charging.Power:
    """The pod battery through the window."""
    rng = stream(run.seed, "charging")
    dev, day = sessions.device, sessions.day
    pods = run.pods
    habits = charging.draw_habits(run.d, rng, pods.has("heavy_user"), pods.has("flat_battery"))
    since = (sessions.start - run.window.t0).astype(np.float64)
    damage = faults.severity(run.faults, dev, since, sessions.usage_start.astype(np.float64))
    fade = np.where(run.faults.kind[dev] == faults.BATTERY, damage, 0.0)
    first_of_day = (np.diff(day, prepend=-1) != 0) | (np.diff(dev, prepend=-1) != 0)
    glitch = run.calendar.glitch[dev, day] == cal.GLITCH_BATTERY
    inputs = charging.Battery(
        health=battery.health(run.parts.cells, run.symptoms.battery, dev, fade, _rested(sessions)),
        cold=run.calendar.cold[dev, day],
        left_on=glitch & first_of_day,
        sent_cap=cap,
    )
    plan = (dev, day, sessions.start, sessions.samples)
    return charging.run_power(rng, run.parts.cells, habits, plan, inputs, pods.has("new_pod"))
