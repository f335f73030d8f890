"""The admin's dashboard panels (``{% editor_dashboard as dashboard %}``)."""

from django import template

from ..editorial.dashboard import dashboard_for
from ..editorial.previews import may_preview

register = template.Library()


@register.simple_tag(takes_context=True)
def editor_dashboard(context):
    """The dashboard of the user viewing the page, or None if they may not read articles."""
    user = context["request"].user
    if not may_preview(user):
        return None
    return dashboard_for(user)
