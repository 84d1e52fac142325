"""Documents and photos attached to a household's file or to one of its members."""
