"""Concrete recommended actions per predicted issue type and severity."""

from __future__ import annotations

import pandas as pd

ACTIONS: dict[str, dict[str, list[str]]] = {
    "motor": {
        "LOW": ["Watch the drilling current on the next jobs against this machine's usual level"],
        "MEDIUM": [
            "Inspect motor brushes and bearings; check drill bit wear",
            "Check the power cable, plug and switch for loose or burnt contacts",
        ],
        "HIGH": [
            "Inspect motor brushes and bearings; check drill bit wear",
            "Schedule motor service within the predicted timeframe",
            "Avoid hard-material jobs with this machine until it has been inspected",
        ],
        "CRITICAL": [
            "Take the machine out of service until the motor is repaired",
            "Replace motor brushes and bearings; check the armature for heat damage",
            "Issue a replacement machine to the crew",
        ],
    },
    "battery": {
        "LOW": ["Check the pod is charged fully before each shift"],
        "MEDIUM": [
            "Check pod battery charge cycles and clean the charger contacts",
            "Confirm the pod is put on charge every night",
        ],
        "HIGH": [
            "Order a replacement pod battery",
            "Check the pod housing for water ingress or damage",
            "Charge the pod before every shift until the battery is replaced",
        ],
        "CRITICAL": [
            "Replace the pod battery before the next shift",
            "Check the pod housing for water ingress or damage",
        ],
    },
    "gps": {
        "LOW": ["Note whether the machine works where GPS reception is poor (indoors, tunnels)"],
        "MEDIUM": [
            "Check the GPS antenna mounting and its view of the sky",
            "Check the pod's firmware version",
        ],
        "HIGH": [
            "Check the GPS antenna mounting and its view of the sky",
            "Swap the pod to see whether the fault follows the pod",
        ],
        "CRITICAL": [
            "Replace the pod's GPS module or the pod",
            "Record job-site locations by hand until the pod is replaced",
        ],
    },
    "telemetry": {
        "LOW": ["Check the pod is powered and firmly mounted on the machine"],
        "MEDIUM": [
            "Check the pod's radio link: gateway coverage at the job site, antenna, interference",
            "Check the pod is powered and firmly mounted on the machine",
        ],
        "HIGH": [
            "Check gateway coverage at the job site and the pod's antenna",
            "Compare the machine's logbook with the sessions that arrived to size the gap",
        ],
        "CRITICAL": [
            "Replace the pod: the machine can no longer be monitored",
            "Compare the machine's logbook with the sessions that arrived to size the gap",
        ],
    },
}


OFFLINE = {
    "motor": "Go and look at the machine: its pod went silent after the motor showed wear",
    "battery": "Recharge or replace the pod battery: the pod went silent after its battery "
    "showed wear",
    "gps": "Check the pod on site: it went silent after its GPS showed faults",
    "telemetry": "Check the pod and its radio on site: it went silent after losing samples",
}


def actions_for(issues: pd.Series, severities: pd.Series, kinds: pd.Series) -> list[list[str]]:
    """Concrete recommended actions per (issue type, severity); an offline alert first
    sends someone to the machine."""
    return [
        ([OFFLINE[i]] if k == "offline" else []) + list(ACTIONS[i][s])
        for i, s, k in zip(issues, severities, kinds, strict=True)
    ]
