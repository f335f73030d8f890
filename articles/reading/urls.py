from django.contrib.sitemaps.views import sitemap
from django.urls import path, register_converter

from . import cards, citing, feeds, json_feed, topic_map, views
from .converters import TagSlugConverter
from .sitemaps import SITEMAPS

register_converter(TagSlugConverter, "tagslug")

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/", views.article_list, name="list"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/card/", cards.article_card, name="article_card"),
    path("articles/<slug:slug>/card/<slug:anchor>/", cards.passage_card, name="passage_card"),
    path("articles/<slug:slug>/map/", topic_map.article_map, name="article_map"),
    path("articles/<slug:slug>/cite/", citing.cite, name="cite"),
    path("articles/<slug:slug>/cite/<slug:anchor>/", citing.cite, name="cite_passage"),
    path("articles/<slug:slug>/cite.ris", citing.cite_ris, name="cite_ris"),
    path("articles/<slug:slug>/cite/<slug:anchor>.ris", citing.cite_ris, name="cite_passage_ris"),
    path("tags/", views.tag_index, name="tags"),
    # Tag slugs may carry accented letters (“defence-attachés”), which <slug:> refuses.
    path("tags/<tagslug:slug>/", views.tag_detail, name="tag"),
    path("tags/<tagslug:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("tags/<tagslug:slug>/card/", cards.topic_card, name="topic_card"),
    path("search/", views.search, name="search"),
    path("feed/", feeds.LatestArticlesFeed(), name="feed"),
    path("feed.xsl", feeds.stylesheet, name="feed_stylesheet"),
    path("feed.json", json_feed.json_feed, name="json_feed"),
    path("map/", topic_map.topic_map, name="topic_map"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
