"""
Revisions (django-reversion): what a revision of an article holds, and the
one way the admin records one for a change it makes outside the change form.
"""

from contextlib import contextmanager

import reversion

from ..models import Article, Section, TaggedArticle, TaggedSection

# A revision of an article holds the article, its sections and the taggings
# of both. Tags themselves are shared by the whole site and are not reverted
# with one article (a revert must not rename or delete a tag). Registered
# when the admin loads, before VersionAdmin would register Article by itself.
if not reversion.is_registered(Article):
    reversion.register(TaggedArticle)
    reversion.register(TaggedSection)
    reversion.register(Section, follow=["taggedsection_set"])
    reversion.register(Article, follow=["sections", "taggedarticle_set"])


@contextmanager
def recorded_revision(*, user, comment):
    """Everything the block saves becomes one revision, by ``user``, with ``comment``."""
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        yield
