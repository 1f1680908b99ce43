"""The serving side: the cached fleet result, its background refresh, views and jobs."""
