"""Figures that identify no one: aggregate reports with small-cell suppression."""
