import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def everything_stale(apps, schema_editor):
    """The queue is made anew: every topic is marked stale again, as in 0014."""
    Tag = apps.get_model("taggit", "Tag")
    StaleTopic = apps.get_model("articles", "StaleTopic")
    StaleTopic.objects.bulk_create(
        [StaleTopic(tag_id=pk) for pk in Tag.objects.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    """
    The queue of stale sections and topics, joined to its sections and tags
    (without a constraint) so that the article page reads its marks with a
    join instead of a subquery. The queue holds nothing but marks: its tables
    are made anew.
    """

    dependencies = [
        ("articles", "0015_tag_usage"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.DeleteModel(name="StaleSection"),
        migrations.DeleteModel(name="StaleTopic"),
        migrations.CreateModel(
            name="StaleSection",
            fields=[
                ("marked_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "section",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="stale_mark",
                        serialize=False,
                        to="articles.section",
                    ),
                ),
            ],
            options={"verbose_name": "stale section", "verbose_name_plural": "stale sections"},
        ),
        migrations.CreateModel(
            name="StaleTopic",
            fields=[
                ("marked_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "tag",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="related_stale_mark",
                        serialize=False,
                        to="taggit.tag",
                    ),
                ),
            ],
            options={"verbose_name": "stale topic", "verbose_name_plural": "stale topics"},
        ),
        migrations.RunPython(everything_stale, migrations.RunPython.noop),
    ]
