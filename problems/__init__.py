"""Problem kinds: data models, generators and independent verifiers (imports nothing else of ours)."""
