"""How the app writes a mean or a gap, worked out apart from it: the value's shortest decimal form
rounded to one place, half to even (CLDR's rule for numbers). Python's own `f"{x:.1f}"` rounds the
binary value instead: a gap of 1.5 - 3.45 is -1.95 to a reader and -1.9499999999999997 to a float,
so the two disagree on ties."""

from decimal import ROUND_HALF_EVEN, Decimal

_PLACE = Decimal("0.1")


def one_decimal(value: float | None, signed: bool = False) -> str:
    """ "2.5", signed "+0.5" or "-1.0"; "-" for no value."""
    if value is None:
        return "-"
    rounded = Decimal(repr(value)).quantize(_PLACE, rounding=ROUND_HALF_EVEN)
    return f"{rounded:+}" if signed else f"{rounded}"
