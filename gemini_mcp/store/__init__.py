"""Persistence: the Store port and its implementations."""
