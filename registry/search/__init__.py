"""search domain."""
