"""The production settings, with the floor view of bench/floor.py served beside them."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor"
