"""The admin's own pages beside the change list and form, in the admin's frame."""

from django.template.response import TemplateResponse


def admin_page(model_admin, request, template, title, **context):
    """``template`` with the admin site's context, the model's options and ``title``."""
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": title,
            **context,
        },
    )
