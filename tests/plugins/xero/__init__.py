"""Tests of the Xero plugin and its sandbox."""
