"""The REST API under ``/api/v1``: bearer tokens, JSON in and out, JSON errors."""
