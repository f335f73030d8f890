from django.contrib import admin
from django.urls import include, path

from articles.api.views import api

from . import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("articles.editorial.urls")),
    path("", include("articles.reading.urls")),
]
