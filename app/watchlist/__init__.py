"""Watch-list screening: lists of wanted or sanctioned persons, loaded as versions and
screened against the register by people who decide every alert."""
