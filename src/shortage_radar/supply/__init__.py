"""Supply: supplier lead times learned from history, inbound purchase orders."""
