"""complaints domain."""
