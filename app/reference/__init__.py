"""Reference data: places, camps, agencies, teams and return batches."""
