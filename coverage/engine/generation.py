"""The snapshot generation: a number every recompute bumps, which dashboard caches key on."""

from django.core.cache import cache

GENERATION_KEY = "coverage:snapshot-generation"


def snapshot_generation() -> int:
    """A number every recompute bumps: snapshot caches key on it."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def bump_generation():
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)
