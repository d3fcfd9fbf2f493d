from django.urls import path

from . import case_views, right_views, team_views, views

app_name = "portal"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("products/", views.products, name="products"),
    path("products/<str:gtin>/", views.product, name="product"),
    path("items/", views.items, name="items"),
    path("items/<str:gtin>/<str:serial>/", views.item, name="item"),
    path("bulk/", views.bulk_upload, name="bulk"),
    path("bulk/<int:job_id>/", views.bulk_job, name="bulk_job"),
    path("rights/", right_views.right_list, name="rights"),
    path("rights/<int:right_id>/", right_views.right_detail, name="right"),
    path("rights/<int:right_id>/<slug:action>/", right_views.right_action, name="right_action"),
    path("licences/<str:ref>/end/", right_views.licence_end, name="licence_end"),
    path("keys/", views.key_list, name="keys"),
    path("keys/<str:kid>/revoke/", views.key_revoke, name="key_revoke"),
    path("keys/signing-guide/", views.signing_guide, name="signing_guide"),
    path("labels/", views.label_list, name="labels"),
    path("alerts/", views.alerts, name="alerts"),
    path("cases/", case_views.cases, name="cases"),  # detention cases to answer (verifier)
    path("office/holders/", views.holders, name="holders"),
    path("office/holders/<slug:slug>/decision/", views.holder_decision, name="holder_decision"),
    path("office/holders/<slug:slug>/rights/", views.holder_right, name="holder_right"),
    path("office/holders/<slug:slug>/invite/", team_views.invite_holder_admin, name="invite_holder_admin"),
    path("office/customs/", team_views.customs_authorities, name="customs_authorities"),
    path("office/representatives/", team_views.representative_firms, name="representative_firms"),
    path(
        "office/representatives/<slug:slug>/invite/",
        team_views.invite_representative,
        name="invite_representative",
    ),
    path(
        "office/customs/<slug:slug>/invite/",
        team_views.invite_customs_supervisor,
        name="invite_customs_supervisor",
    ),
    path("customs/<slug:slug>/offices/", team_views.add_customs_office, name="add_customs_office"),
    path(
        "customs/<slug:slug>/offices/<int:pk>/position/",
        team_views.move_customs_office,
        name="move_customs_office",
    ),
    path("team/", team_views.team, name="team"),
    path("team/invitations/<int:pk>/withdraw/", team_views.withdraw, name="withdraw_invitation"),
]
