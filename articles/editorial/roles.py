"""
The Editors group: exactly the permissions to add, change, publish and delete
articles, sections and tags (and their cross-references, preview links and
topic descriptions).
Kept in step after every ``migrate`` by a post_migrate handler, so a fresh
database and an upgraded one both have it; ``manage.py setup_roles`` runs it
on demand.
"""

from django.contrib.auth.models import Group, Permission

EDITORS_GROUP = "Editors"

EDITOR_PERMISSIONS = {
    "articles": {
        "article": {"add", "change", "delete", "view", "publish"},
        "section": {"add", "change", "delete", "view"},
        "crossreference": {"add", "change", "delete", "view"},
        "taggedarticle": {"add", "change", "delete", "view"},
        "taggedsection": {"add", "change", "delete", "view"},
        "previewlink": {"add", "change", "delete", "view"},
        "topicdescription": {"add", "change", "delete", "view"},
    },
    "taggit": {
        "tag": {"add", "change", "delete", "view"},
    },
}


def editor_permission_codenames():
    for app_label, models in EDITOR_PERMISSIONS.items():
        for model, actions in models.items():
            for action in actions:
                yield app_label, f"{action}_{model}"


def ensure_editors_group():
    """Create or correct the Editors group. Returns the group."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    wanted = []
    for app_label, codename in editor_permission_codenames():
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            wanted.append(permission)
    group.permissions.set(wanted)
    return group


def on_post_migrate(sender, **kwargs):
    if sender.name == "articles":
        ensure_editors_group()
