"""autocode: a local, reproducible engine for coding open-ended survey responses."""

__version__ = "0.1.0"
