"""Web sites crawled politely as a Sluice source (type ``web``)."""
