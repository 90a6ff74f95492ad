"""Tests of the built-in accounting plugins."""
