"""Settings for the test suite: the environment-driven settings, plus what only tests want.

Tests sign in hundreds of users; the production hasher is slow on purpose, so tests use
a fast one. Nothing here is read outside pytest (pyproject.toml points pytest at it).
"""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The suite signs in and calls the API thousands of times from one address; the tests of
# the limits themselves set low ones.
API_RATE_USER = "1000000/hour"
API_RATE_ANON = "1000000/hour"
