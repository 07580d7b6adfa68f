"""The realtime path: whole snapshots of what changed, sent on channels, from one place.

Read-only: it imports nothing from the write layer, so the web layer and the ticker can both
publish what a change touched, and so can a process that only ticks.
"""
