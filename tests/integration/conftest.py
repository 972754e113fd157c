from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from workshop.app import create_app
from workshop.settings import Settings


@pytest.fixture
def client() -> Iterator[TestClient]:
    """The app on its embedded store, lifespan running; cookies are managed per request."""
    app = create_app(Settings(redis_url=None, secret_key="test-signing-key", coalesce_seconds=0.0))
    with TestClient(app) as test_client:
        yield test_client
