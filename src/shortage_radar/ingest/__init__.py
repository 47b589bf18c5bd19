"""Reading landing files, validating them against the contract, and loading them into the warehouse."""
