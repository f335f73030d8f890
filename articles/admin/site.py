"""
The admin site as editors meet it: its name, and human names for the
sections other applications bring (taggit's tags are the site's topics,
axes records login throttling).

The names are set on those applications' configurations when the admin
loads, so their code stays as it is.
"""

from django.apps import apps
from django.contrib import admin

SITE_NAME = "Milcoop editorial"

# Application label → the name its section has in the admin.
SECTION_NAMES = {
    "taggit": "Topics",
    "axes": "Login throttling",
    "auth": "Accounts and roles",
}


def configure(site):
    site.site_header = SITE_NAME
    site.site_title = SITE_NAME
    site.index_title = "Dashboard"
    site.index_template = "admin/dashboard.html"
    # The dashboard links every page an editor uses; the side bar would take
    # a fifth of the width from the article list.
    site.enable_nav_sidebar = False
    for label, name in SECTION_NAMES.items():
        if label in apps.app_configs:
            apps.get_app_config(label).verbose_name = name


configure(admin.site)
