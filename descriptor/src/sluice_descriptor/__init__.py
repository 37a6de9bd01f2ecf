"""Sluice connector descriptors (docs/descriptor.md)."""
