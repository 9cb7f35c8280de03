"""Instance-to-instance maps: encodings of problems into solver targets and NP-hardness reductions."""
