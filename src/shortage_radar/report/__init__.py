"""What a run tells people: the terminal summary (and, later, the buyers' report)."""
