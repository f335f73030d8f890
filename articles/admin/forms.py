"""
The article and section forms of the editors' admin. Tag fields are filled
from the prefetch and refuse names without an address; every field carries
the value it was opened with, so a save writes only what this editor changed;
the article form refuses a save over a version saved after it was opened.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from taggit.forms import TagField, TagWidget, TagWidgetMixin
from taggit.utils import parse_tags

from ..content.reference_syntax import normalize_title
from ..content.tags import clean_tag_name
from ..editorial.versions import last_change, version_stamp
from ..models import Article, Section
from ..models.articles import alias_lines

TAG_DATALIST_ID = "tag-names"

TAG_HELP = (
    "Topics: type a name, then Enter or a comma; existing tags are suggested as you type. "
    "Where the field is plain text, separate names with commas and write a name holding a "
    "comma in double quotes."
)


class TagNamesWidget(TagWidget):
    """A comma-separated text input that offers the site's tag names (one shared <datalist>)."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs={
                "list": TAG_DATALIST_ID,
                "autocomplete": "off",
                "data-tag-suggestions": "",
                **(attrs or {}),
            }
        )

    class Media:
        # Each name as a chip, the next one completed from the site's tags.
        js = ["admin-editor/tag-chips.js"]


class HiddenTagsInput(TagWidgetMixin, forms.HiddenInput):
    """The tags a form was opened with, written as the tag field writes them."""


def tag_names(value):
    """The sorted names in a tag field's value: text as typed, or Tag objects."""
    if not value:
        return []
    if isinstance(value, str):
        return sorted(parse_tags(value))
    return sorted(getattr(tag, "name", tag) for tag in value)


class TagNamesField(TagField):
    """
    taggit's comma-separated tag field, refusing a name no topic can carry
    (one without a letter or digit has no address), each with its own message.
    """

    widget = TagNamesWidget
    hidden_widget = HiddenTagsInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", TAG_HELP)
        super().__init__(**kwargs)

    def clean(self, value):
        names, errors = [], []
        for name in super().clean(value):
            try:
                names.append(clean_tag_name(name))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(names))

    def has_changed(self, initial, data):
        # taggit's own compares Tag objects with names; here either side may be
        # text, as the value the form was opened with comes back as text.
        return not self.disabled and tag_names(initial) != tag_names(data)


def widget_data(widget, name, value):
    """The POST data a browser sends for ``widget`` showing ``value``."""
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, (list, tuple)) else widget.decompress(value)
        data = {}
        for subwidget, suffix, part in zip(
            widget.widgets, widget.widgets_names, parts, strict=True
        ):
            data.update(widget_data(subwidget, f"{name}{suffix}", part))
        return data
    formatted = widget.format_value(value)
    if isinstance(formatted, list):  # a <select> formats to its chosen values
        formatted = formatted[0] if formatted else None
    return {name: "" if formatted is None else str(formatted)}


class OpenedValuesFormMixin:
    """
    Every visible field carries, hidden beside it, the value it had when the
    editor opened the form (Django's ``show_hidden_initial``), so
    ``changed_data`` names what this editor changed. A save writes only those
    fields; the others keep the value saved now, which another editor may
    have changed in between. That makes "save again" after an edit conflict
    add this editor's changes to the other's instead of reverting them.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not field.widget.is_hidden:
                field.show_hidden_initial = True
        if self.is_bound:
            # Django carries the opened value over into a form shown again only
            # when the field's own name is in the data; a split date and time
            # posts name_0 and name_1, so the bare name is added for it.
            missing = [
                self.add_initial_prefix(name)
                for name in self.fields
                if f"{self.add_initial_prefix(name)}_0" in self.data
                and self.add_initial_prefix(name) not in self.data
            ]
            if missing:
                self.data = self.data.copy()
                for key in missing:
                    self.data[key] = ""

    def opened_fields(self):
        return [(name, f) for name, f in self.fields.items() if f.show_hidden_initial]

    def keep_saved_values(self, cleaned):
        """Fields left as they were opened take the value saved now."""
        if self.instance.pk is None:
            return cleaned
        for name, field in self.opened_fields():
            if name in cleaned and name not in self.changed_data:
                cleaned[name] = self.get_initial_for_field(field, name)
        return cleaned

    def changed_by_others(self):
        """The fields saved with another value since this editor opened the form."""
        names = []
        for name, field in self.opened_fields():
            opened = field.hidden_widget().value_from_datadict(
                self.data, self.files, self.add_initial_prefix(name)
            )
            if field.has_changed(self.get_initial_for_field(field, name), opened):
                names.append(name)
        return names

    def show_saved_values(self, names):
        """Show the saved value of ``names``, as opened, so a save leaves them as they are."""
        data = self.data.copy()
        for name in names:
            field = self.fields[name]
            value = self.get_initial_for_field(field, name)
            data.update(widget_data(field.widget, self.add_prefix(name), value))
            data.update(widget_data(field.hidden_widget(), self.add_initial_prefix(name), value))
        self.data = data


def prefetched_tags(instance):
    """The tags of a saved instance, from the prefetch cache when there is one."""
    if instance.pk is None:
        return []
    return sorted(instance.tags.all(), key=lambda tag: tag.name)


class PrefetchedTagsFormMixin:
    """
    taggit's form field reads an instance's tags with a query of its own; with
    many sections on one page that is one query per section. Here the tags
    field is a plain form field, filled from ``prefetch_related("tags")``; the
    admin classes using these forms list ``tags`` in ``exclude`` so that the
    model field's own query never runs.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tags" in self.fields and "tags" not in self.initial:
            self.initial["tags"] = prefetched_tags(self.instance)

    def _save_m2m(self):
        super()._save_m2m()
        if "tags" in self.fields and "tags" in self.cleaned_data:
            self.instance.tags.set(self.cleaned_data["tags"])


class SectionInlineForm(OpenedValuesFormMixin, PrefetchedTagsFormMixin, forms.ModelForm):
    tags = TagNamesField()

    class Meta:
        model = Section
        fields = ["position", "level", "heading", "anchor", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12, "cols": 90})}

    def clean(self):
        return self.keep_saved_values(super().clean())

    def clean_anchor(self):
        # Left empty, the anchor is made from the heading when the section is
        # saved; None keeps two new sections from looking like duplicates.
        return self.cleaned_data.get("anchor") or None

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if not self.cleaned_data.get("anchor"):
            exclude.add("anchor")
        return exclude


class ArticleAdminForm(OpenedValuesFormMixin, PrefetchedTagsFormMixin, forms.ModelForm):
    """
    The article form. ``loaded_version`` carries the article's updated_at as it
    was when the form was opened: a save over a newer version is refused, so
    one editor never silently overwrites another's work.
    """

    tags = TagNamesField()
    loaded_version = forms.CharField(required=False, widget=forms.HiddenInput)

    conflict = None  # (who, when, stored_version) once a conflict is found

    class Meta:
        model = Article
        fields = ["title", "slug", "aliases", "summary", "status", "published_at", "source_file"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 8, "cols": 90}),
            "aliases": forms.Textarea(attrs={"rows": 3, "cols": 60}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["loaded_version"] = version_stamp(self.instance.updated_at)
        published_at = self.fields.get("published_at")
        if published_at is not None and isinstance(published_at.widget, forms.MultiWidget):
            # The admin writes "Date:" and "Time:" beside the inputs, not as their labels.
            for widget, part in zip(published_at.widget.widgets, ("date", "time"), strict=False):
                widget.attrs.setdefault("aria-label", f"Publication {part}")

    def clean_aliases(self):
        """One alias a line, spacing collapsed; neither this title nor another article's."""
        aliases = alias_lines(self.cleaned_data.get("aliases"))
        title = self.cleaned_data.get("title") or self.instance.title
        keys = {normalize_title(alias): alias for alias in aliases}
        if normalize_title(title) in keys:
            raise forms.ValidationError(
                "“%(alias)s” is this article's title already; an alias is another name.",
                code="alias_is_title",
                params={"alias": keys[normalize_title(title)]},
            )
        taken = (
            Article.objects.filter(title_key__in=keys)
            .exclude(pk=self.instance.pk)
            .values_list("title_key", flat=True)
            .first()
            if keys
            else None
        )
        if taken is not None:
            raise forms.ValidationError(
                "“%(alias)s” is the title of another article: a link written with it "
                "would lead there.",
                code="alias_is_other_title",
                params={"alias": keys[taken]},
            )
        return "\n".join(aliases)

    def clean(self):
        cleaned = self.check_version(super().clean())
        if cleaned.get("status") == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            # Published without a date is published now, as publishing.publish does;
            # the database refuses a published article without one.
            cleaned["published_at"] = timezone.now()
        return cleaned

    def check_version(self, cleaned):
        """
        Refuse a save over a version saved after this form was opened; without
        a conflict, the fields this editor left as opened keep the saved value.
        """
        if self.instance.pk is None:
            return cleaned
        stored = (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        stored_version = version_stamp(stored)
        loaded = self.cleaned_data.get("loaded_version") or ""
        if loaded != stored_version:
            who, when = last_change(self.instance)
            self.conflict = (who, when, stored_version)
            name = (who.get_full_name() or who.get_username()) if who else "another editor"
            stamp = timezone.localtime(when).strftime("%d %b %Y at %H:%M:%S") if when else ""
            # The form comes back for this editor to read the differences; the
            # admin shows in it the other version with this editor's changes on
            # top (show_conflict), and a save from it is checked against the
            # version saved now.
            data = self.data.copy()
            data[self.add_prefix("loaded_version")] = stored_version
            self.data = data
            raise forms.ValidationError(
                f"{name} saved this article on {stamp}, after you opened it. Your changes "
                f"were not saved. The form below now holds {name}’s version with your "
                "changes on top, and the differences from the saved version; save again "
                "to add your changes to it.",
                code="edit_conflict",
            )
        return self.keep_saved_values(cleaned)


class ScheduleForm(forms.Form):
    published_at = forms.SplitDateTimeField(
        label="Publish on",
        widget=forms.SplitDateTimeWidget(
            date_attrs={"type": "date", "aria-label": "Date"},
            time_attrs={"type": "time", "step": 60, "aria-label": "Time"},
        ),
        help_text="Date and time (site time zone). The article appears to readers then.",
    )

    def clean_published_at(self):
        when = self.cleaned_data["published_at"]
        if when <= timezone.now():
            raise forms.ValidationError("Choose a moment in the future to schedule for.")
        return when
