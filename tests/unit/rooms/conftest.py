"""A real Janus for the room service tests (module-wide: starting it takes ~1 s)."""

import pytest

from tests.support.booking import env  # noqa: F401  (re-exported fixture)
from tests.support.janus import janus_server


@pytest.fixture(scope="module")
def janus():
    with janus_server() as running:
        yield running


@pytest.fixture
def sfu(janus):
    client = janus.rooms()
    yield client
    client.close()
