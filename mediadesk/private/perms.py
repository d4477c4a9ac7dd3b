"""Permission codes of the private domain (私域)."""

VIEW = "private.view"  # members, segments, figures in scope
MANAGE = "private.manage"  # merges, segments, wake-up plans, WeCom settings, erasure
PHONE = "private.phone"  # full phone numbers of members
INGEST = "private.ingest"  # POST events (mini-program, 公众号)
