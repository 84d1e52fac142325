"""Referrals to other agencies' services: with consent, sharing only the field groups needed."""
