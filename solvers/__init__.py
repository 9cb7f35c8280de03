"""Solver backends, proof checking, and the one pipeline that connects problem, encoding, solver and verifier."""
