"""Planning: small per-device, per-day and per-session tables drawn before any row."""
