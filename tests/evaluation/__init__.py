"""Tests of the evaluation domain."""
