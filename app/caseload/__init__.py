"""Who works on which household: assignment, "my cases" and the team's load."""
