"""A throwaway kind of exercise, the smallest there is: the room raises a hand or not, then the
projector shows the count.

It lives in the tests to prove that a kind is one package: the app loads it when
`WORKSHOP_EXTRA_KINDS=tests.kinds.show_of_hands`, with no line changed anywhere else.
"""

from tests.kinds.show_of_hands.kind import KIND

__all__ = ["KIND"]
