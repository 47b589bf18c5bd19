"""Replay history: what the tool's warnings and orders would have achieved, against baselines."""
