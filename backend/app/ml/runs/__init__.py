"""Runs over the fleet: scoring, training, the day-by-day replay and the backtest."""
