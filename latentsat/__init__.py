"""latentsat: recover hidden structure from interaction data, or certify that none exists."""

__version__ = "0.1.0"
