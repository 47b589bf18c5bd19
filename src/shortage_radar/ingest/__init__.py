"""Reading landing files, validating them against the contract, loading them into the warehouse."""
