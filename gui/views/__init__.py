"""Widgets only: what the agent sees and clicks. No HTTP, no SQL."""
