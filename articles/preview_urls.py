"""Draft previews: staff previews and shareable preview links."""

from django.urls import path

from . import preview

app_name = "preview"

urlpatterns = [
    path("preview/articles/<slug:slug>/", preview.staff_preview, name="article"),
    path("preview/<str:token>/", preview.shared_preview, name="shared"),
]
