"""Local directories as a Sluice source (type ``filesystem``)."""
