"""Roles as Django groups with permissions, and the checks services use.

Permissions say what a role may do; `organisation_of` says on whose behalf. Both are
needed: a brand operator may add items, but only to their own brand.
"""

import copy

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

from .changes import Kept
from .models import Membership, Organisation, Role

# Codenames are "<app_label>.<codename>"; missing ones (an app not installed) are skipped.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OFFICE_ADMIN: [
        "accounts.add_invitation",  # the office's own administrators, holders' first ones
        "accounts.add_organisation",  # rights holders and customs authorities
        "accounts.change_organisation",
        "accounts.view_organisation",
        "accounts.add_customsoffice",
        "ledger.add_logentry",
        "ledger.view_logentry",
        "registry.admit_rightsholder",
        "registry.decide_rights",
        "registry.view_ipright",
        "enforcement.view_application",  # the register of rights under customs protection
        "registry.manage_keys",
        "registry.view_product",
        "registry.view_item",
        # The office dashboard (ipchain.dashboard): everything, and sending failed tasks again.
        "dashboard.view_office_dashboard",
        "dashboard.retry_failed_task",
    ],
    Role.BRAND_ADMIN: [
        "accounts.add_invitation",  # its own staff
        "registry.manage_keys",
        "registry.view_ipright",
        "registry.change_ipright",  # licences, surrender, assigning it away
        "enforcement.add_application",  # applications for customs action (Reg. 608/2013)
        "enforcement.view_application",
        "registry.add_product",
        "registry.change_product",
        "registry.view_product",
        "registry.add_item",
        "registry.view_item",
        "registry.add_itemevent",
        "registry.add_bulkjob",
        "registry.view_bulkjob",
    ],
    Role.BRAND_OPERATOR: [
        "registry.view_ipright",
        "enforcement.view_application",
        "registry.add_product",
        "registry.change_product",
        "registry.view_product",
        "registry.add_item",
        "registry.view_item",
        "registry.add_itemevent",
        "registry.add_bulkjob",
        "registry.view_bulkjob",
    ],
    Role.CUSTOMS_OFFICER: ["enforcement.view_application"],
    # A legal representative's staff, acting for one client at a time under its mandate
    # (membership_of): the client's customs protection, its detention cases, reading its
    # rights and products; never its keys, items or people.
    Role.REPRESENTATIVE: [
        "enforcement.add_application",
        "enforcement.view_application",
        "registry.view_ipright",
        "registry.view_product",
    ],
    Role.CUSTOMS_SUPERVISOR: [
        # The dashboard limited to their own authority's scans and cases (ipchain.dashboard.access).
        "dashboard.view_authority_dashboard",
        "accounts.add_invitation",  # their authority's officers and supervisors
        "accounts.add_customsoffice",  # their authority's offices
        # The competent customs department's decisions on applications for action.
        "enforcement.view_application",
        "enforcement.decide_application",
    ],
}


def group_name(role: str) -> str:
    return f"role:{role}"


def sync_role_groups(**kwargs) -> None:
    """Create one group per role holding exactly its permissions (run after migrate)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name(role))
        perms = []
        for codename in codenames:
            app_label, code = codename.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=code).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)


def assign_role(user, organisation: Organisation, role: str, **extra) -> Membership:
    """Give a user their organisation and role, and the role's group (and only it)."""
    from .models import ROLE_KIND

    if ROLE_KIND[role] != organisation.kind:
        raise ValueError(f"role {role} does not fit an organisation of kind {organisation.kind}")
    membership, _ = Membership.objects.update_or_create(
        user=user, defaults={"organisation": organisation, "role": role, **extra}
    )
    user.groups.remove(*user.groups.filter(name__startswith="role:"))
    user.groups.add(Group.objects.get_or_create(name=group_name(role))[0])
    return membership


# Set on a request's user by the enforcement app once it has checked the representative's
# mandate (ipchain/enforcement/middleware.py): the client it acts for on this request.
ACTING_FOR = "_ipchain_acting_for"


def membership_of(user) -> Membership | None:
    """The user's membership; for a representative acting for a client under a mandate, the
    same membership seen as the client's (`representative` names the firm), so that every
    check by organisation sees the client and only it."""
    if not getattr(user, "is_authenticated", False):
        return None
    _recall_membership(user)
    try:
        membership = user.membership
    except Membership.DoesNotExist:
        return None
    client = getattr(user, ACTING_FOR, None)
    if client is not None and membership.organisation.kind == Organisation.Kind.REPRESENTATIVE:
        return _acting(membership, client)
    return membership


# Kept per process while nothing they depend on changes (changes.py): a production line's
# user registers thousands of items in a row.
_memberships = Kept("memberships")
_permissions = Kept("permissions")


def _recall_membership(user) -> None:
    related = get_user_model().membership.related
    if getattr(user, "pk", None) is None or related.is_cached(user):
        return
    found = _memberships.get(user.pk, _read_membership)
    if found is not None:  # a copy each request: nothing one request sets reaches the next
        found = copy.copy(found)
        found.organisation = copy.copy(found.organisation)
    related.set_cached_value(user, found)


def _read_membership(user_id: int) -> Membership | None:
    return Membership.objects.select_related("organisation").filter(user_id=user_id).first()


def _recall_permissions(user) -> None:
    # ModelBackend keeps a user's permissions in `_perm_cache` for the life of the user
    # object (one request); this keeps them across requests.
    if user.is_active and not hasattr(user, "_perm_cache"):
        user._perm_cache = _permissions.get(user.pk, _read_permissions)


def _read_permissions(user_id: int) -> frozenset[str]:
    user = get_user_model().objects.filter(pk=user_id).first()
    return frozenset(ModelBackend().get_all_permissions(user)) if user is not None else frozenset()


def _acting(membership: Membership, client: Organisation) -> Membership:
    acting = copy.copy(membership)
    acting.representative = membership.organisation
    acting.organisation = client
    acting.save = _not_saved  # a view of the membership, never written back
    return acting


def _not_saved(*args, **kwargs):
    raise RuntimeError("a representative's acting membership is not saved")


def representative_of(user) -> Organisation | None:
    """The firm a user acts for clients of, whether or not it acts for one now."""
    membership = membership_of(user)
    if membership is None:
        return None
    firm = getattr(membership, "representative", None)
    if firm is not None:
        return firm
    return (
        membership.organisation if membership.organisation.kind == Organisation.Kind.REPRESENTATIVE else None
    )


def organisation_of(user) -> Organisation | None:
    membership = membership_of(user)
    return membership.organisation if membership else None


class _CommandLine:
    """The node's operator at its command line (management commands): may do anything."""

    def __repr__(self) -> str:
        return "COMMAND_LINE"


COMMAND_LINE = _CommandLine()


def require(user, permission: str, organisation: Organisation | None = None) -> Membership | None:
    """The user's membership, if they hold `permission` and (when given) belong to `organisation`;
    None for the operator at the command line (COMMAND_LINE), who holds every permission.

    Office administrators act for the office only; they never write a brand's records.
    """
    if user is COMMAND_LINE:
        return None
    membership = membership_of(user)
    if membership is not None:
        _recall_permissions(user)
    if membership is None or not user.has_perm(permission):
        raise PermissionDenied(f"needs permission {permission}")
    if organisation is not None and membership.organisation_id != organisation.pk:
        raise PermissionDenied("you can only act for your own organisation")
    return membership
