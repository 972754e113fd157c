class Rejected(Exception):
    """An action that the rules refuse, with a message meant for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
