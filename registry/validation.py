"""The error every service raises for bad input: a message per field, in the user's language.

Views put the messages beside the form fields; the API returns them as ``fields``.
"""
from __future__ import annotations


class ValidationFailed(Exception):
    """Input that a service refused; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, object]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = {field: str(message) for field, message in errors.items()}
