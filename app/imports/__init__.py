"""Intake of transfer lists: reading, mapping, checking and committing spreadsheets of people."""
