"""A small corpus of public-domain English prose (19th-century books, near their openings)."""

from __future__ import annotations

MOBY_DICK = (
    "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in "
    "my purse, and nothing particular to interest me on shore, I thought I would sail about a "
    "little and see the watery part of the world. It is a way I have of driving off the spleen "
    "and regulating the circulation. Whenever I find myself growing grim about the mouth; "
    "whenever it is a damp, drizzly November in my soul, then, I account it high time to get to "
    "sea as soon as I can. The great whale himself, the grand hooded phantom, rose like a snow "
    "hill in the air, and the harpooneers of the ship watched the spouting sea."
)

ORIGIN_OF_SPECIES = (
    "When we look to the individuals of the same variety or sub-variety of our older cultivated "
    "plants and animals, one of the first points which strikes us is, that they generally differ "
    "more from each other than do the individuals of any one species or variety in a state of "
    "nature. This preservation of favourable variations and the rejection of injurious "
    "variations, I call Natural Selection. Owing to this struggle for life, any variation, "
    "however slight and from whatever cause proceeding, if it be in any degree profitable to an "
    "individual of any species, will tend to the preservation of that individual."
)

PRIDE_AND_PREJUDICE = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife. However little known the feelings or views of such a man may be "
    "on his first entering a neighbourhood, this truth is so well fixed in the minds of the "
    "surrounding families, that he is considered as the rightful property of some one or other "
    "of their daughters. My dear Mr. Bennet, said his lady to him one day, have you heard that "
    "Netherfield Park is let at last?"
)

WALDEN = (
    "When I wrote the following pages, or rather the bulk of them, I lived alone, in the woods, "
    "a mile from any neighbor, in a house which I had built myself, on the shore of Walden Pond, "
    "in Concord, Massachusetts, and earned my living by the labor of my hands only. I lived "
    "there two years and two months. I went to the woods because I wished to live deliberately, "
    "to front only the essential facts of life, and see if I could not learn what it had to "
    "teach. The pond was clear and deep, and in winter the ice upon it rang like a bell."
)

TALE_OF_TWO_CITIES = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the "
    "age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the "
    "season of Light, it was the season of Darkness, it was the spring of hope, it was the "
    "winter of despair, we had everything before us, we had nothing before us. There were a king "
    "with a large jaw and a queen with a plain face, on the throne of England; a king with a "
    "large jaw and a queen with a fair face, on the throne of France."
)

CORPUS = {
    "moby-dick": ("Moby-Dick; or, The Whale", MOBY_DICK),
    "origin": ("On the Origin of Species", ORIGIN_OF_SPECIES),
    "pride": ("Pride and Prejudice", PRIDE_AND_PREJUDICE),
    "walden": ("Walden; or, Life in the Woods", WALDEN),
    "two-cities": ("A Tale of Two Cities", TALE_OF_TWO_CITIES),
}
