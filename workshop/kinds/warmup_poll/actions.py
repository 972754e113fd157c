"""What a poll adds to the actions a screen can send: nothing. A participant votes with the shared
`Vote` (`workshop.action_base`, which the debate accepts too), and the facilitator drives the poll
with the shared step actions alone."""

PARTICIPANT_ACTIONS: tuple[()] = ()
HOST_ACTIONS: tuple[()] = ()
