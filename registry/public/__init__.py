"""Read-only public pages."""
