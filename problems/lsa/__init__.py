"""LSA parameter recovery (SPEC §2): the exact Markov-chain optimum X*, the map φ, instances and verification."""
