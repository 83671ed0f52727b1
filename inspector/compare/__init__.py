"""Comparing two captures, or two time windows of one: what changed, for which endpoints and
consumers, and whether the change is more than noise."""
