"""The fixtures of the other suites, shared here: the embedded-store app (integration), two app
processes on one real Redis (integration), and the in-process server with Chromium (end to end)."""

from tests.e2e.conftest import (
    base_url,
    browser,
    facilitator,
    live_server,
    make_phone,
    new_page,
    playwright,
    projector,
)
from tests.integration.conftest import client
from tests.integration.test_two_processes import apps

__all__ = [
    "apps",
    "base_url",
    "browser",
    "client",
    "facilitator",
    "live_server",
    "make_phone",
    "new_page",
    "playwright",
    "projector",
]
