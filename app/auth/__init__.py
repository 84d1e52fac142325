"""Accounts, passwords and login."""
