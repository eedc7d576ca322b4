"""Screens: the main triage view, the note editor, and small modals."""
