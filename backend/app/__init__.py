"""DrillWatch: telemetry analytics and predictive maintenance for drilling fleets."""

__version__ = "0.1.0"
