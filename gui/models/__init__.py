"""Qt item models that views display."""
