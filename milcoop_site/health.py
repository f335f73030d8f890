"""/healthz for load balancers (placeholder until the production work lands)."""

from django.http import JsonResponse


def healthz(request):
    return JsonResponse({"status": "ok"})
