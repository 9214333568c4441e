"""Oversight pages for regulators: evaluation coverage and demonstration designations."""
