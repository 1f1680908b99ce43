"""Backups of every store (``drillwatch backup``) and their verified restore."""
