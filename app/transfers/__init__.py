"""Handing a household over to another team or agency, accepted by the receiving supervisor."""
