"""The declarative runtime (docs/descriptor.md)."""
