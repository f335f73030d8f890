"""Draft previews: staff previews and shareable preview links."""

from django.urls import path

from . import previews

app_name = "preview"

urlpatterns = [
    path("preview/articles/<slug:slug>/", previews.staff_preview, name="article"),
    path("preview/<str:token>/", previews.shared_preview, name="shared"),
]
