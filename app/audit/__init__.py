"""The audit trail: an append-only, hash-chained log of who did and saw what."""
