"""Model registry: signed artifacts on disk, versions and the active pointer in SQL."""
