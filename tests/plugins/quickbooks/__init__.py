"""Tests of the QuickBooks Online sandbox."""
