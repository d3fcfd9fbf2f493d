from django.urls import path, re_path

from . import tiles_views
from .api import views as api

log_urlpatterns = [
    path("log/checkpoint", tiles_views.checkpoint, name="log-checkpoint"),
    path("log/key", tiles_views.verifier_key, name="log-key"),
    # Loose patterns on purpose: the views parse the tile path and answer a malformed one with a 400.
    re_path(r"^log/tile/entries/(?P<path>.*)$", tiles_views.entry_bundle, name="log-entries"),
    re_path(r"^log/tile/(?P<level>[^/]+)/(?P<path>.*)$", tiles_views.hash_tile, name="log-tile"),
]

api_urlpatterns = [
    path("log/entries", api.SubmitEntryView.as_view(), name="api-log-submit"),
    path("log/entries/<int:index>", api.EntryView.as_view(), name="api-log-entry"),
    path("log/submissions/<int:submission_id>", api.SubmissionView.as_view(), name="api-log-submission"),
    path("log/proof/inclusion", api.InclusionProofView.as_view(), name="api-log-inclusion"),
    path("log/proof/consistency", api.ConsistencyProofView.as_view(), name="api-log-consistency"),
    path("log/proof/tlog", api.TlogProofView.as_view(), name="api-log-tlog-proof"),
]
