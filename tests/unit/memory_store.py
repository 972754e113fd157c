"""The store's commit, in memory, for rule tests: every guard must hold, then every write applies.

A new meta document, when effects carry one, is left to the caller.
"""

from workshop.effects import Effects, applied

Store = dict[str, dict[str, str]]


def commit(store: Store, effects: Effects) -> Store:
    assert effects.must_be_absent == ()
    assert effects.drop == ()
    for hash_name, key, value in effects.expect:
        found = store.get(hash_name, {}).get(key, "")
        assert found == value, f"unmet expect on {hash_name}[{key}]: {found!r} != {value!r}"
    return applied(store, effects.writes)
