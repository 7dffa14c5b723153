"""The OAI-PMH 2.0 endpoint (/oai/): GET or POST (§3.1.1), answered by exchange.oai.respond."""

from django.http import HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from repository.access import keep_out_of_shared_caches

from .models import AUDIENCE_PUBLIC
from .oai import respond
from .permissions import HarvesterRefused, request_audience
from .records import now_seconds

CONTENT_TYPE = "text/xml; charset=utf-8"


@csrf_exempt
def oai_pmh(request):
    """Answer an OAI-PMH request: arguments in the query string (GET) or an
    application/x-www-form-urlencoded body (POST).

    An anonymous request harvests the public feed; `Authorization: Bearer <token>` the feed of the
    token's library network (exchange.permissions). A refused token gets 401 or 403 with an RFC 6750
    `WWW-Authenticate` header, not an OAI-PMH document. The answer is `Cache-Control: private` unless
    it is the public feed (repository.access.keep_out_of_shared_caches), and varies with Authorization.
    """
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        audience, _harvester = request_audience(request)
    except HarvesterRefused as refused:
        response = HttpResponse(str(refused), status=refused.status, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = f'Bearer realm="oai", error="{refused.error}"'
        return keep_out_of_shared_caches(response, public=False)
    query = request.POST if request.method == "POST" else request.GET
    base_url = request.build_absolute_uri(request.path)
    body = respond(query, audience, base_url, now_seconds())
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Vary"] = "Authorization"
    return keep_out_of_shared_caches(response, public=audience == AUDIENCE_PUBLIC)
