"""TokenBucket: a burst is allowed, then events at the refill rate."""

from workshop.limits import TokenBucket


def test_a_full_bucket_allows_a_burst_then_refuses() -> None:
    bucket = TokenBucket(rate=2.0, burst=3.0)
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]


def test_tokens_come_back_at_the_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3.0)
    for _ in range(3):
        assert bucket.take(100.0)
    assert not bucket.take(100.25)  # half a token is not enough
    assert bucket.take(100.5)  # a full token after half a second at 2 per second
    assert not bucket.take(100.5)
    assert bucket.take(101.0)
    assert not bucket.take(101.0)


def test_a_refused_take_does_not_spend_a_token() -> None:
    bucket = TokenBucket(rate=1.0, burst=1.0)
    assert bucket.take(10.0)
    assert not bucket.take(10.5)
    assert bucket.take(11.0)


def test_a_long_pause_refills_only_up_to_the_burst() -> None:
    bucket = TokenBucket(rate=2.0, burst=3.0)
    for _ in range(3):
        assert bucket.take(100.0)
    assert [bucket.take(10_000.0) for _ in range(4)] == [True, True, True, False]


def test_a_steady_stream_at_the_rate_is_never_refused() -> None:
    bucket = TokenBucket(rate=4.0, burst=1.0)
    assert all(bucket.take(50.0 + i * 0.25) for i in range(100))
