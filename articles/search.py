"""Full-text search: placeholder hooks until the search backend lands."""


def index_article(article):
    pass


def index_section(section):
    pass


def unindex_section(section):
    pass
