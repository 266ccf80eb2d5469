"""Settings for bench/join_storm.py: the project's settings plus a baseline endpoint (bench/urls_join_bench.py)."""

from bench.settings_bench import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls_join_bench"
# The storm comes from one IP (the load generator): the portal's guess limit counts misses only,
# and every link here is valid, so it never blocks; nothing else is changed.
