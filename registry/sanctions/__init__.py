"""sanctions domain."""
