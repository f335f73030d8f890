"""URL converters for the public addresses."""


class TagSlugConverter:
    """
    A tag's slug: word characters (accented letters included, as taggit makes
    "defence-attachés") and hyphens — never control characters or slashes.
    """

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
