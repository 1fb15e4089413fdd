"""Tutela: triage, grading and unit records for online child sexual abuse investigation units."""

__version__ = "0.1.0"
