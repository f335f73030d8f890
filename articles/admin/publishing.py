"""
Publishing from the change form. Editors allowed to publish find "Publish",
"Schedule…" and "Unpublish" beside the form's Save buttons, and everyone a
status line: draft, scheduled for …, or published on …, and who saved it
last, when. A button saves the form as Save does (with the edit-conflict
check), then moves the article through ``content.publishing``; the revision
holds both, with a comment that says what happened.
"""

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from reversion import is_active, set_comment

from ..content import publishing
from ..editorial.versions import last_change
from .forms import ScheduleForm

PUBLISH, SCHEDULE, UNPUBLISH = "_publish", "_schedule", "_unpublish"
SCHEDULE_PREFIX = "schedule"


def posted_intent(request):
    """Which publishing button sent this request, if one did."""
    if request.method != "POST":
        return None
    return next((name for name in (PUBLISH, SCHEDULE, UNPUBLISH) if name in request.POST), None)


class PublishingFormMixin:
    """The article form as a publishing button sends it: "Schedule…" needs its moment."""

    publishing_intent = None
    schedule_at = None

    def clean(self):
        cleaned = super().clean()
        if self.publishing_intent == SCHEDULE:
            schedule = ScheduleForm(self.data, prefix=SCHEDULE_PREFIX)
            if schedule.is_valid():
                self.schedule_at = schedule.cleaned_data["published_at"]
            else:
                reasons = [error for errors in schedule.errors.values() for error in errors]
                self.add_error(None, "Not scheduled: " + " ".join(reasons))
        return cleaned


def publishing_comment(intent, article):
    """The revision comment for a publishing button's save."""
    if intent == PUBLISH:
        return "Published."
    if intent == SCHEDULE:
        return f"Scheduled for {timezone.localtime(article.published_at):%Y-%m-%d %H:%M}."
    if intent == UNPUBLISH:
        return "Unpublished."
    return None


def status_line(article):
    """What the status line says of ``article`` (None before it is first saved)."""
    if article is None or article.pk is None:
        return None
    who, when = last_change(article)
    if article.is_scheduled:
        state, date = "scheduled", article.published_at
    elif article.is_public:
        state, date = "published", article.published_at
    else:
        state, date = "draft", None
    return {
        "state": state,
        "date": date,
        "saved_by": (who.get_full_name() or who.get_username()) if who else "",
        "saved_at": when,
    }


class PublishingButtonsAdminMixin:
    """The publishing buttons and status line of ArticleAdmin's change form."""

    def publishing_intent(self, request):
        intent = posted_intent(request)
        if intent is not None and not self.has_publish_permission(request):
            raise PermissionDenied
        return intent

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        intent = self.publishing_intent(request)
        attrs = {"publishing_intent": intent, "__module__": __name__}
        return type(form.__name__, (PublishingFormMixin, form), attrs)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["publishing_status"] = status_line(obj)
        if self.has_publish_permission(request):
            bound = posted_intent(request) == SCHEDULE
            context["schedule_form"] = ScheduleForm(
                request.POST if bound else None, prefix=SCHEDULE_PREFIX
            )
            context["can_publish"] = True
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        intent = getattr(form, "publishing_intent", None)
        article = form.instance
        if intent == PUBLISH:
            publishing.publish(article=article)
        elif intent == SCHEDULE:
            publishing.schedule(articles=[article], when=form.schedule_at)
        elif intent == UNPUBLISH:
            publishing.unpublish(article=article)

    def _record_publishing(self, request, obj, entry):
        comment = publishing_comment(posted_intent(request), obj)
        if comment and is_active():
            message = entry.get_change_message()
            set_comment(comment if message == "No fields changed." else f"{message} {comment}")

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record_publishing(request, obj, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record_publishing(request, obj, entry)
        return entry

    def _after_publishing(self, request, obj):
        intent = posted_intent(request)
        if intent is None:
            return None
        if intent == PUBLISH:
            text = f"Published “{obj}”: readers see it now."
        elif intent == SCHEDULE:
            local = timezone.localtime(obj.published_at)
            text = f"Scheduled “{obj}” for {local:%d %B %Y, %H:%M}."
        else:
            text = f"Unpublished “{obj}”: it is a draft again, and readers no longer see it."
        self.message_user(request, text, messages.SUCCESS)
        opts = self.opts
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
        )

    def response_add(self, request, obj, post_url_continue=None):
        return self._after_publishing(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        return self._after_publishing(request, obj) or super().response_change(request, obj)
