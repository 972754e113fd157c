"""workshop: live facilitation for conversation-skills training."""

__version__ = "0.1.0"
