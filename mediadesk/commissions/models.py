"""Tables of the commissions app."""
