"""The main screen's building blocks."""
