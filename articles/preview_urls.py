"""Draft previews: staff previews and shareable preview links (placeholder)."""

app_name = "preview"

urlpatterns = []
