"""lockmigrate: from ranged requirements files to real lockfiles."""

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
