"""Pure Python: parsing, grading, statistics. Imports nothing from Flask or SQLAlchemy."""
