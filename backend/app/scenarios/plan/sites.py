"""Work sites in the Berlin area, which of them each pod works at, and on which day.

Sites: 0.4-1.2 per pod (at least 8), spread over the field sample's area (52.30-52.70 N,
13.08-13.62 E). Material: most sites 0.92-1.08, a share 0.05-0.30 of hard material
(1.10-1.35 x drilling current). A no-fix site (basement, garage, tunnel; only families
that use them) gives no GPS fix to any pod there and loses 0-30 % of radio samples. Each
pod works at 2..4-8 open sites; pods with the ``no_fix_site`` profile also at 1-3 no-fix
sites, chosen on a share 0.15-0.6 of jobs. A job lasts until it switches (per active day
0.1-0.6); a session moves to another of the pod's sites with probability 0-0.25.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints

LAT_RANGE = (52.30, 52.70)
LON_RANGE = (13.08, 13.62)


@dataclass(frozen=True)
class Sites:
    """Fleet-wide sites: position, reception, material and radio conditions."""

    lat: Floats
    lon: Floats
    no_fix: Bools
    hard: Bools
    hardness: Floats
    radio_loss: Floats
    tag: Ints


@dataclass(frozen=True)
class Rounds:
    """Which sites each pod works at and how it moves between them."""

    open_sites: Ints
    no_fix_sites: Ints
    no_fix_share: Floats
    switch: float
    move: float


def draw_sites(d: Draws, rng: np.random.Generator, n: int, no_fix_share: float) -> Sites:
    """The run's sites; ``no_fix_share`` of them without reception (at least one if > 0)."""
    count = max(8, round(n * d.uniform("sites_per_pod", 0.4, 1.2)))
    no_fix = rng.random(count) < no_fix_share
    if no_fix_share > 0 and not no_fix.any():
        no_fix[0] = True
    if no_fix.all():
        no_fix[-1] = False
    hard = rng.random(count) < d.uniform("hard_site_share", 0.05, 0.30)
    tagged = rng.random(count) < d.uniform("site_tag_share", 0.2, 0.8)
    return Sites(
        lat=rng.uniform(*LAT_RANGE, count),
        lon=rng.uniform(*LON_RANGE, count),
        no_fix=no_fix,
        hard=hard,
        hardness=np.where(hard, rng.uniform(1.10, 1.35, count), rng.uniform(0.92, 1.08, count)),
        radio_loss=np.where(no_fix, rng.uniform(0.0, 0.30, count), 0.0),
        tag=np.where(tagged, np.arange(count), -1).astype(np.int64),
    )


def draw_rounds(
    d: Draws, rng: np.random.Generator, sites: Sites, no_fix_pods: Bools, hard_pods: Bools
) -> Rounds:
    """Each pod's open sites (hard-material pods mostly at hard sites) and no-fix sites."""
    n = no_fix_pods.size
    width = d.integer("sites_per_pod_max", 4, 8)
    open_ids = np.flatnonzero(~sites.no_fix)
    hard_ids = np.flatnonzero(~sites.no_fix & sites.hard)
    if hard_ids.size == 0:
        hard_ids = open_ids
    open_sites = open_ids[rng.integers(0, open_ids.size, (n, width))]
    hard = hard_ids[rng.integers(0, hard_ids.size, (n, width))]
    open_sites = np.where(hard_pods[:, None] & (rng.random((n, width)) < 0.8), hard, open_sites)
    count = rng.integers(2, width + 1, n)
    open_sites = np.where(np.arange(width) < count[:, None], open_sites, open_sites[:, :1])
    no_fix_ids = np.flatnonzero(sites.no_fix)
    no_fix_sites = (
        no_fix_ids[rng.integers(0, no_fix_ids.size, (n, 3))]
        if no_fix_ids.size
        else np.zeros((n, 3), dtype=np.int64)
    )
    share = d.uniform("no_fix_job_share", 0.15, 0.6) if no_fix_ids.size else 0.0
    return Rounds(
        open_sites=open_sites.astype(np.int64),
        no_fix_sites=no_fix_sites.astype(np.int64),
        no_fix_share=np.where(no_fix_pods, share * rng.uniform(0.6, 1.4, n), 0.0),
        switch=d.uniform("job_switch_per_day", 0.1, 0.6),
        move=d.uniform("session_move_share", 0.0, 0.25),
    )


def day_sites(rng: np.random.Generator, rounds: Rounds, days: int) -> Ints:
    """The site of each pod's job on each day [pods, days]: jobs last several days."""
    n, width = rounds.open_sites.shape
    switch = rng.random((n, days)) < rounds.switch
    switch[:, 0] = True
    job = np.cumsum(switch.ravel()) - 1
    jobs = int(job[-1]) + 1
    owner = np.repeat(np.arange(n), switch.sum(axis=1))
    no_fix = rng.random(jobs) < rounds.no_fix_share[owner]
    site = np.where(
        no_fix,
        rounds.no_fix_sites[owner, rng.integers(0, 3, jobs)],
        rounds.open_sites[owner, rng.integers(0, width, jobs)],
    )
    by_day: Ints = site[job].reshape(n, days).astype(np.int64)
    return by_day


def session_sites(
    rng: np.random.Generator, rounds: Rounds, by_day: Ints, device: Ints, day: Ints
) -> Ints:
    """Each session's site: the day's job, sometimes another open site of the pod."""
    size = device.size
    width = rounds.open_sites.shape[1]
    other = rounds.open_sites[device, rng.integers(0, width, size)]
    return np.where(rng.random(size) < rounds.move, other, by_day[device, day])
