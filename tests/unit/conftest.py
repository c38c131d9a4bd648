"""Fixtures for the service tests: `env` (a tutor open all week and a student) for bookings."""

from tests.support.booking import env  # noqa: F401  (re-exported fixture)
