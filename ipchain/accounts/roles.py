"""Roles as Django groups with permissions, and the checks services use.

Permissions say what a role may do; `organisation_of` says on whose behalf. Both are
needed: a brand operator may add items, but only to their own brand.
"""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

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


def membership_of(user) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


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
    if membership is None or not user.has_perm(permission):
        raise PermissionDenied(f"needs permission {permission}")
    if organisation is not None and membership.organisation_id != organisation.pk:
        raise PermissionDenied("you can only act for your own organisation")
    return membership
