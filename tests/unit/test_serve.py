"""`workshop serve`: how it hands the app to uvicorn."""

from typing import Any

import pytest
import uvicorn

from workshop import cli


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    monkeypatch.delenv("WORKSHOP_REDIS_URL", raising=False)
    monkeypatch.setenv("WORKSHOP_DATA_DIR", "")
    return calls


def test_no_line_per_request_unless_asked(served: list[dict[str, Any]]) -> None:
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert cli.main(["serve", "--port", "8123", "--access-log"]) == 0
    assert [options["access_log"] for options in served] == [False, True]
    assert all(options["port"] == 8123 for options in served)
