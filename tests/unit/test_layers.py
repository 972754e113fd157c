"""The store is the only thing that knows the store is Redis: no other module of the app imports a
Redis client or its errors (they meet `StoreUnavailable` instead)."""

import ast
from pathlib import Path

import pytest

from workshop.errors import StoreUnavailable

PACKAGE = Path(__file__).resolve().parents[2] / "workshop"
STORE_MODULES = {"store.py", "embedded.py"}
"""The store, and the embedded store's file, which only the store imports."""
REDIS_PACKAGES = {"redis", "fakeredis", "hiredis"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def app_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_app_has_modules_to_check() -> None:
    names = {path.name for path in app_modules()}
    assert {"store.py", "hub.py", "live.py", "views.py", "engine.py"} <= names


@pytest.mark.parametrize(
    "path", [p for p in app_modules() if p.name not in STORE_MODULES], ids=lambda p: p.name
)
def test_no_module_but_the_store_imports_redis(path: Path) -> None:
    assert not imported_packages(path) & REDIS_PACKAGES, path.relative_to(PACKAGE.parent)


def test_the_check_sees_an_import_of_redis(tmp_path: Path) -> None:
    module = tmp_path / "leaky.py"
    module.write_text("from redis.exceptions import RedisError\nimport fakeredis.aioredis\n")
    assert imported_packages(module) == {"redis", "fakeredis"}


def test_the_store_raises_its_own_error_when_redis_cannot_be_reached() -> None:
    import asyncio

    from workshop.store import Store

    async def body() -> None:
        # A port nothing listens on (the discard port): the connection is refused at once.
        store = Store.connect("redis://127.0.0.1:9/0", 60)
        try:
            with pytest.raises(StoreUnavailable):
                await store.ping()
            with pytest.raises(StoreUnavailable):
                await store.load("ABCDEF")
        finally:
            await store.close()

    asyncio.run(body())
