"""Readings: the documents, their curated passages, themes, glossary, claims and search."""

from studyapp.reading.views import bp

__all__ = ["bp"]
