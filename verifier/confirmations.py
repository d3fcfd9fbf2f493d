"""Asking before what cannot be undone: a page with the question, what follows, and the same
request to send again with confirm=yes (works with no JavaScript, on any phone)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from .models import Case

# What cannot be undone is asked first: the question, and what follows from the answer.
CONFIRM = {
    "released": (
        gettext_lazy("Release the goods of case %(n)s?"),
        gettext_lazy("The goods go back to their declarant. The release is signed into the item's history."),
    ),
    "destroyed": (
        gettext_lazy("Destroy the goods of case %(n)s?"),
        gettext_lazy("This cannot be undone. The destruction is signed into the item's history."),
    ),
    "counterfeit": (
        gettext_lazy("Confirm that the goods of case %(n)s are counterfeit?"),
        gettext_lazy("Your answer is final; customs may then destroy the goods."),
    ),
    "genuine": (
        gettext_lazy("Confirm that the goods of case %(n)s are your genuine goods?"),
        gettext_lazy("Your answer is final; customs will release the goods."),
    ),
    "proceedings": (
        gettext_lazy("Confirm that you started court proceedings about the goods of case %(n)s?"),
        gettext_lazy("The goods stay detained until the court decides; customs need its order."),
    ),
    "declarant_agreed": (
        gettext_lazy("Record that the declarant agrees to the destruction of the goods of case %(n)s?"),
        gettext_lazy(
            "The answer is final. Once the rights holder has confirmed, the goods can be destroyed."
        ),
    ),
    "declarant_objected": (
        gettext_lazy("Record that the declarant objects to the destruction of the goods of case %(n)s?"),
        gettext_lazy(
            "The answer is final. The rights holder is told and must start court proceedings, "
            "or the goods are released."
        ),
    ),
}


def confirm_page(request: HttpRequest, case: Case, action: str, post_to: str, fields: dict) -> HttpResponse:
    question, consequence = CONFIRM[action]
    context = {
        "case": case,
        "question": question % {"n": case.pk},
        "consequence": consequence,
        "post_to": post_to,
        "fields": fields | {"confirm": "yes"},
        "danger": action in ("destroyed", "counterfeit"),
        "back": case.get_absolute_url(),
    }
    return render(request, "verifier/confirm.html", context)
