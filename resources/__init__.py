"""Data files shipped with API Inspector (icons, desktop entry, example configuration)."""
