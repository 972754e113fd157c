from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """Allows `rate` events per second on average and bursts of up to `burst`."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    stamp: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
