"""
What the API answers, as typed schemas: they validate each response and make
the OpenAPI description at /api/openapi.json. Every ``url`` is a path on this
site; every date is ISO 8601 with its offset.
"""

from datetime import datetime

from ninja import Field, Schema


class Message(Schema):
    detail: str = Field(description="What was wrong with the request, in words.")


class Topic(Schema):
    name: str
    slug: str
    url: str


class TopicWithCounts(Topic):
    article_count: int = Field(
        description="Published articles carrying it, or a passage of theirs."
    )
    passage_count: int = Field(description="Their passages carrying it.")
    counts: str = Field(description='The counts as the site shows them: "3 articles · 5 passages".')


class Paging(Schema):
    count: int = Field(description="Items in the whole list.")
    page: int
    num_pages: int
    per_page: int
    next_page: int | None
    previous_page: int | None


class ArticleSummary(Schema):
    slug: str
    title: str
    url: str
    summary: str = Field(description="The lead as plain text.")
    published_at: datetime
    updated_at: datetime
    reading_minutes: int
    topics: list[Topic] = Field(description="Topics of the article itself, by name.")


class ArticleList(Paging):
    items: list[ArticleSummary]


class Section(Schema):
    anchor: str
    heading: str
    level: int = Field(description="2 for a section, 3 for a subsection.")
    url: str
    html: str = Field(description="Sanitized HTML; links only to published articles.")
    topics: list[Topic]


class Reference(Schema):
    kind: str = Field(description='"see_also" or "inline".')
    title: str = Field(description="The title as written.")
    heading: str = Field(description="A section heading of the target, if named; else empty.")
    from_anchor: str | None = Field(description="The passage it stands in; null: the lead.")
    target_slug: str | None = Field(description="The cited article, only when it is published.")
    target_url: str | None


class Backlink(Schema):
    slug: str
    title: str
    url: str
    published_at: datetime


class ArticleDetail(Schema):
    slug: str
    title: str
    url: str
    summary_html: str = Field(description="The lead as sanitized HTML.")
    published_at: datetime
    updated_at: datetime
    reading_minutes: int
    word_count: int
    topics: list[Topic]
    sections: list[Section]
    references: list[Reference]
    backlinks: list[Backlink] = Field(description="Published articles citing this one.")


class TopicList(Paging):
    items: list[TopicWithCounts]


class Passage(Schema):
    anchor: str
    heading: str
    url: str


class ArticleWithPassages(Schema):
    slug: str
    title: str
    url: str
    published_at: datetime
    passages: list[Passage] = Field(description="Its passages carrying the topic.")


class TopicDetail(Paging):
    topic: TopicWithCounts
    items: list[ArticleWithPassages] = Field(description="A page of the articles carrying it.")


class SearchHit(Schema):
    article_title: str
    section_heading: str | None
    url: str
    snippet: str = Field(description="HTML: escaped text, the matched words in <mark>.")
    published_at: datetime | None


class SearchResults(Schema):
    query: str
    total: int
    total_is_capped: bool = Field(description="True: more than `total` passages match.")
    shortened: bool = Field(description="True: only the query's beginning was searched.")
    suggestion: str = Field(description='A query that finds more ("Did you mean"), or "".')
    page: int
    num_pages: int
    hits: list[SearchHit]


class GraphPassage(Schema):
    anchor: str
    heading: str
    level: int
    url: str
    topics: list[str] = Field(description="Topic slugs.")


class GraphArticle(Schema):
    slug: str
    title: str
    url: str
    published_at: datetime
    topics: list[str] = Field(description="Topic slugs carried by the article itself.")
    passages: list[GraphPassage]


class GraphTopic(Schema):
    slug: str
    name: str
    url: str
    article_count: int
    passage_count: int


class GraphReference(Schema):
    source: str = Field(description="Slug of the citing article.")
    source_anchor: str | None = Field(description="The passage it stands in; null: the lead.")
    target: str = Field(description="Slug of the cited (published) article.")


class Graph(Schema):
    articles: list[GraphArticle]
    topics: list[GraphTopic]
    references: list[GraphReference]
