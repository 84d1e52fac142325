"""The timeline of each household: every stage change, assessment, approval, assignment, task
and note, with who and when."""
