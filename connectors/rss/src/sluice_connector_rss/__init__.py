"""RSS 2.0, RSS 1.0 and Atom feeds as a Sluice source (type ``rss``)."""
