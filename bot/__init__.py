"""Siloless core: config, store, pipeline, routing, lifecycle, outbox, and the platforms' edge."""

__version__ = "0.1.0"
