"""Security vetting and the assessments caseworkers record: protection, civil documentation,
psychosocial and health screening, community acceptance."""
