"""Asking before a holder ends what it gave: a mandate, a risk alert, a share. A page with the
question and what follows, and the same request to send again with confirm=yes (no
JavaScript needed), as verifier/confirmations.py does for cases."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

CONFIRM = {
    "withdraw_mandate": (
        gettext_lazy("Withdraw the mandate of %(name)s?"),
        gettext_lazy(
            "The representative stops acting for you at once. The withdrawal is signed into the "
            "ledger; to let it act again, you give a new mandate."
        ),
    ),
    "withdraw_alert": (
        gettext_lazy("Withdraw the alert “%(name)s”?"),
        gettext_lazy("Customs stop seeing it at once. To warn them again, you post a new alert."),
    ),
    "unshare": (
        gettext_lazy("Stop sharing your identification guides with %(name)s?"),
        gettext_lazy(
            "Its officers no longer see your guides, photos and contacts, unless an application for "
            "action names it. You can share again at any time."
        ),
    ),
}


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirm") == "yes"


def confirm_page(request: HttpRequest, action: str, *, name: str, fields: dict, back: str) -> HttpResponse:
    question, consequence = CONFIRM[action]
    context = {
        "question": question % {"name": name},
        "consequence": consequence,
        "post_to": request.path,
        "fields": fields | {"confirm": "yes"},
        "back": back,
    }
    return render(request, "verifier/confirm.html", context)  # the cases' page, with no case
