"""Tests of the MYOB sandbox."""
