"""Tables of the analytics app."""
