from django.urls import path

from . import holders, items, jobs, keys, organisations, products, rights

urlpatterns = [
    path("products", products.ProductListView.as_view(), name="api-products"),
    path("products/<str:gtin>", products.ProductDetailView.as_view(), name="api-product"),
    path("items", items.ItemListView.as_view(), name="api-items"),
    path("items/batch", items.ItemBatchView.as_view(), name="api-items-batch"),
    path("items/<str:gtin>/<str:serial>", items.ItemDetailView.as_view(), name="api-item"),
    path("items/<str:gtin>/<str:serial>/events", items.ItemEventView.as_view(), name="api-item-events"),
    path("items/<str:gtin>/<str:serial>/label", items.ItemLabelView.as_view(), name="api-item-label"),
    path("records", items.SignedRecordView.as_view(), name="api-records"),
    path("records/batch", items.SignedRecordBatchView.as_view(), name="api-records-batch"),
    path("keys", keys.KeyListView.as_view(), name="api-keys"),
    path("keys/<str:kid>/revoke", keys.KeyRevokeView.as_view(), name="api-key-revoke"),
    path("bulk-jobs", jobs.BulkJobListView.as_view(), name="api-bulk-jobs"),
    path("bulk-jobs/<int:job_id>", jobs.BulkJobDetailView.as_view(), name="api-bulk-job"),
    path("label-jobs", jobs.LabelJobListView.as_view(), name="api-label-jobs"),
    path("label-jobs/<int:job_id>", jobs.LabelJobDetailView.as_view(), name="api-label-job"),
    path(
        "label-jobs/<int:job_id>/download", jobs.LabelJobDownloadView.as_view(), name="api-label-job-download"
    ),
    path("customs-authorities", organisations.AuthorityListView.as_view(), name="api-authorities"),
    path(
        "customs-authorities/<slug:slug>/offices",
        organisations.AuthorityOfficesView.as_view(),
        name="api-authority-offices",
    ),
    path("invitations", organisations.InvitationView.as_view(), name="api-invitations"),
    path("rights-holders", holders.HolderListView.as_view(), name="api-holders"),
    path("ip-rights", rights.RightListView.as_view(), name="api-ip-rights"),
    path("ip-rights/<int:right_id>", rights.RightDetailView.as_view(), name="api-ip-right"),
    path("ip-rights/<int:right_id>/renewal", rights.RenewalView.as_view(), name="api-ip-right-renewal"),
    path(
        "ip-rights/<int:right_id>/assignment", rights.AssignmentView.as_view(), name="api-ip-right-assignment"
    ),
    path(
        "ip-rights/<int:right_id>/invalidation",
        rights.InvalidationView.as_view(),
        name="api-ip-right-invalidation",
    ),
    path(
        "ip-rights/<int:right_id>/restoration",
        rights.RestorationView.as_view(),
        name="api-ip-right-restoration",
    ),
    path("ip-rights/<int:right_id>/surrender", rights.SurrenderView.as_view(), name="api-ip-right-surrender"),
    path("ip-rights/<int:right_id>/licences", rights.LicenceListView.as_view(), name="api-ip-right-licences"),
    path("licences/<str:ref>/end", rights.LicenceEndView.as_view(), name="api-licence-end"),
    path("products/<str:gtin>/rights", rights.ProductRightsView.as_view(), name="api-product-rights"),
    path(
        "rights-holders/<slug:slug>/ip-rights", holders.HolderRightsView.as_view(), name="api-holder-rights"
    ),
    path(
        "rights-holders/<slug:slug>/decision",
        holders.HolderDecisionView.as_view(),
        name="api-holder-decision",
    ),
]
