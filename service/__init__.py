"""The HTTP service: a FastAPI job API over the one solve path, with a SQLite store and local worker processes."""
