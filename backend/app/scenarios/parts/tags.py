"""BLE tags seen near a pod: tied to places (a site's container) or to tools and crews.

Per run: share of sites with a tag 0.2-0.8, of pods with a tool tag 0.1-0.6, of sessions
with a tag in range 0.3-0.9, and how often a tag in range is heard per sample 0.3-0.95.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Draws, Ints

NO_TAG = -1


@dataclass(frozen=True)
class TagHabits:
    """The run's tag addresses and how often they are heard."""

    addresses: list[str]
    tool: Ints
    session_share: float
    heard: float


def addresses(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct BLE addresses like ``F4:12:FA:6C:9D:21``."""
    raw = rng.integers(0, 256, (count * 2 + 4, 6))
    text = [":".join(f"{b:02X}" for b in row) for row in raw.tolist()]
    return list(dict.fromkeys(text))[:count]


def draw_tag_habits(d: Draws, rng: np.random.Generator, n: int, site_tags: int) -> TagHabits:
    """Tool tags for the fleet (after ``site_tags`` site addresses) and hearing habits."""
    tooled = rng.random(n) < d.uniform("tool_tag_share", 0.1, 0.6)
    tool_count = max(1, n // 3)
    tool = np.where(tooled, site_tags + rng.integers(0, tool_count, n), NO_TAG)
    return TagHabits(
        addresses=addresses(rng, site_tags + tool_count),
        tool=tool.astype(np.int64),
        session_share=d.uniform("tagged_session_share", 0.3, 0.9),
        heard=d.uniform("tag_heard_share", 0.3, 0.95),
    )


def session_tags(rng: np.random.Generator, habits: TagHabits, site_tag: Ints, device: Ints) -> Ints:
    """The tag in range during each session (site tag or tool tag), or NO_TAG."""
    size = device.size
    tool = habits.tool[device]
    prefer_site = (site_tag != NO_TAG) & ((tool == NO_TAG) | (rng.random(size) < 0.5))
    tag = np.where(prefer_site, site_tag, tool)
    return np.where(rng.random(size) < habits.session_share, tag, NO_TAG)


def heard(rng: np.random.Generator, habits: TagHabits, tag: Ints) -> Ints:
    """Per sample: the session's tag when heard, else NO_TAG."""
    return np.where(rng.random(tag.size) < habits.heard, tag, NO_TAG)
