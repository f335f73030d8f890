import django.utils.timezone
from django.db import migrations, models


def everything_stale(apps, schema_editor):
    """
    Content written before the derived data existed: every topic is marked
    stale, so that pages rank related passages as they are read until
    ``manage.py refresh_derived --all`` stores them.
    """
    Tag = apps.get_model("taggit", "Tag")
    StaleTopic = apps.get_model("articles", "StaleTopic")
    StaleTopic.objects.bulk_create(
        [StaleTopic(tag_id=pk) for pk in Tag.objects.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_derived_data"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="stalesection",
            name="marked_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="staletopic",
            name="marked_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(everything_stale, migrations.RunPython.noop),
    ]
