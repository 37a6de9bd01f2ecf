"""Scoped connector tokens (protocol §2): minted by an admin for one connector id and the source
types it serves, stored as a digest, listed and revoked; and what such a token may reach.

The shared connector token trusts every connector. A scoped token registers only its connector id
with only its types, and reaches only sources (and their runs) of those types (``scope``).
"""
