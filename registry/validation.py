"""The errors services raise: bad input (a message per field, in the user's language), a
record in the wrong state, a record that does not exist.

Views put field messages beside the form fields and show the others as a banner or a 404;
the API returns 400/422 with ``fields``, 409 and 404.
"""
from __future__ import annotations


class ValidationFailed(Exception):
    """Input that a service refused; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, object]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = {field: str(message) for field, message in errors.items()}


class StateConflict(Exception):
    """The record is not in a state that allows the action (HTTP 409); nothing was changed."""

    def __init__(self, message: object):
        super().__init__(str(message))
        self.message = str(message)


class NotFound(LookupError):
    """No record with that id (HTTP 404)."""
