"""Joining by invitation: the page the link opens (invitations.py does the work)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import invitations
from .forms import AcceptInvitationForm


@never_cache
def accept_invitation(request, token: str):
    invitation = invitations.pending(token)
    if invitation is None:
        return render(request, "registration/invitation_gone.html", status=410)
    form = AcceptInvitationForm(request.POST or None, initial={"username": invitation.email.split("@")[0]})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = invitations.accept(
                token=token,
                username=d["username"],
                password=d["password1"],
                first_name=d["first_name"],
                last_name=d["last_name"],
            )
        except ValidationError as exc:
            form.add_error("password1", exc)
        except invitations.InvitationError as exc:
            if exc.reason != "username_taken":
                return render(request, "registration/invitation_gone.html", status=410)
            form.add_error("username", _("That user name is taken: choose another."))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Welcome to %(organisation)s.") % {"organisation": invitation.organisation}
            )
            return redirect("home")
    return render(request, "registration/invitation.html", {"invitation": invitation, "form": form})
