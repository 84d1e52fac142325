"""The registry of returnee households and their members."""
