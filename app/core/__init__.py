"""Shared machinery: database base class, errors, health check, layout and form macros."""
