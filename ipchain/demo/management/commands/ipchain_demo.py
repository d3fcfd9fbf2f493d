"""Demo data for a fresh node: an office, two brands with products and items, a customs
authority, and one user per role. Safe to run twice. Never use these passwords anywhere real."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ipchain.accounts.invitations import posted_at
from ipchain.accounts.models import Organisation, Role
from ipchain.accounts.roles import assign_role
from ipchain.enforcement import applications, mandates, risk_alerts
from ipchain.ledger import log
from ipchain.registry import admission, authorities, catalogue, items, rights, rule_runs
from ipchain.registry.digital_link import gtin_check_digit
from ipchain.registry.keys import create_node_key
from ipchain.registry.right_rules import add_months
from verifier import cases

from ...dashboard_data import load_demo_scans

User = get_user_model()
DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed for the demo, refused in production


def gtin(body13: str) -> str:
    return body13 + str(gtin_check_digit(body13))


class Command(BaseCommand):
    help = "Load demo data into an empty node (safe to run twice; refused in production)."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=300, help="Items per product")

    def handle(self, *args, items: int, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("demo data is for development only")
        if Organisation.objects.filter(slug="demo-office").exists():
            self.stdout.write("demo data already loaded")
            return
        with transaction.atomic():
            users = self._load(items)
        log.integrate_pending()
        self._dashboard_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data loaded. Sign in at {settings.IPCHAIN_PUBLIC_SCHEME}://"
                f"{settings.IPCHAIN_PUBLIC_HOST}/accounts/login/ as:"
            )
        )
        for username, what in users:
            self.stdout.write(f"  {username:<16} {what}   (password: {DEMO_PASSWORD})")

    def _rights(self, acme, office_admin, brand_admin, user):
        """Rights in each state: a design in force, an old mark past its grace period (the
        rule run lapses it), one in its grace period, one surrendered, one declared invalid, one assigned to a
        licensee, which holds a licence of the main mark."""
        nordic = Organisation.objects.create(
            kind="brand",
            slug="nordic-gear",
            name="Nordic Gear AB",
            country="SE",
            contact_email="ip@nordic.example",
        )
        admission.add_ip_right(
            holder=nordic, kind="trademark", office="SE", registration_number="0555123", nice_classes=[25]
        )
        admission.decide(actor=office_admin, holder=nordic, decision="admitted")
        create_node_key(organisation=nordic)
        user("licensee", nordic, Role.BRAND_ADMIN)
        design = admission.add_ip_right(
            holder=acme,
            kind="design",
            office="EM",
            registration_number="008123456-0001",
            locarno_classes=[3],
            mark="Summit backpack",
            filing_date=date(2023, 5, 2),
        )
        admission.add_ip_right(  # expired a year ago: past its grace period, the rule run lapses it
            holder=acme,
            kind="trademark",
            office="DE",
            registration_number="30201401234",
            nice_classes=[25],
            mark="ACME CLASSIC",
            filing_date=add_months(date.today(), -132),
        )
        admission.add_ip_right(  # expired two months ago: in its grace period
            holder=acme,
            kind="trademark",
            office="EM",
            registration_number="015000009",
            nice_classes=[25],
            mark="ACME ALPINE",
            filing_date=add_months(date.today(), -122),
        )
        trail = admission.add_ip_right(
            holder=acme,
            kind="trademark",
            office="EM",
            registration_number="018000002",
            nice_classes=[25],
            mark="ACME TRAIL",
        )
        rights.surrender(actor=brand_admin, right=trail)
        summit = admission.add_ip_right(
            holder=acme,
            kind="trademark",
            office="EM",
            registration_number="018000003",
            nice_classes=[18],
            mark="SUMMIT",
        )
        rights.invalidate(
            actor=office_admin, right=summit, reason="Descriptive for backpacks (EUTMR Art. 7(1)(c))"
        )
        kids = admission.add_ip_right(
            holder=acme,
            kind="trademark",
            office="EM",
            registration_number="018000004",
            nice_classes=[25],
            mark="ACME KIDS",
        )
        rights.assign(actor=office_admin, right=kids, new_owner=nordic, consent="Deed of assignment 2026/117")
        return design, nordic

    def _dashboard_demo(self) -> None:
        """Scans, cases and alerts for the office dashboard."""
        self.stdout.write(f"{load_demo_scans()} demo scans for the dashboard")

    def _load(self, per_product: int):

        def user(username, org, role, **extra):
            account = User.objects.create_user(
                username=username, password=DEMO_PASSWORD, email=f"{username}@example.org"
            )
            assign_role(account, org, role, **extra)
            return account

        office = Organisation.objects.create(
            kind="office",
            slug="demo-office",
            name="Demo IP Office",
            country="EM",
            contact_email="office@example.org",
            status="admitted",
        )
        create_node_key(organisation=office)
        office_admin = user("office", office, Role.OFFICE_ADMIN)

        acme = Organisation.objects.create(
            kind="brand",
            slug="acme-outdoor",
            name="Acme Outdoor GmbH",
            country="DE",
            contact_email="brand-protection@acme.example",
            contact_phone="+49 30 0000 0000",
        )
        # Its main mark expires in three months: its renewal window is open (docs/rules.md).
        filed = add_months(date.today(), -117)
        outdoor = admission.add_ip_right(
            holder=acme,
            kind="trademark",
            office="EM",
            registration_number="018000001",
            nice_classes=[18, 25],
            mark="ACME OUTDOOR",
            filing_date=filed,
            registration_date=add_months(filed, 6),
        )
        admission.decide(actor=office_admin, holder=acme, decision="admitted")
        create_node_key(organisation=acme)
        brand_admin = user("brand", acme, Role.BRAND_ADMIN)
        user("operator", acme, Role.BRAND_OPERATOR)

        # As the office adds one: admitted, with its signing key in the log, and its offices.
        customs = authorities.create_customs_authority(
            actor=office_admin, name="Douane Rotterdam (demo)", country="NL", slug="nl-customs"
        )
        maasvlakte = authorities.add_customs_office(
            actor=office_admin, authority=customs, name="Rotterdam Maasvlakte", latitude=51.95, longitude=4.03
        )
        authorities.add_customs_office(
            actor=office_admin, authority=customs, name="Schiphol Cargo", latitude=52.30, longitude=4.77
        )
        user("officer", customs, Role.CUSTOMS_OFFICER, **posted_at(maasvlakte))
        user("supervisor", customs, Role.CUSTOMS_SUPERVISOR, **posted_at(maasvlakte))

        guide = {
            "genuine_features": "Woven label with a holographic ACME mark inside the collar; "
            "YKK zips engraved ACME; "
            "seams taped on the inside.",
            "packaging": "Recycled brown carton, one jacket per bag, "
            "QR label on the swing tag and the carton.",
            "made_in": "Factories in Viet Nam (Binh Duong) and Portugal (Porto).",
            "trade_routes": "Shipped by sea from Ho Chi Minh City to Rotterdam and Hamburg; "
            "by road from Porto. "
            "Never sold through marketplaces outside the EU.",
            "contact": "Brand protection desk, +49 30 0000 0000, brand-protection@acme.example",
        }
        design, nordic = self._rights(acme, office_admin, brand_admin, user)
        jacket = catalogue.create_product(
            actor=brand_admin,
            brand=acme,
            gtin=gtin("0950600013435"),
            name="Trail Jacket",
            rights=[outdoor],
            **guide,
        )
        pack = catalogue.create_product(
            actor=brand_admin,
            brand=acme,
            gtin=gtin("0950600013436"),
            name="Summit Backpack 40 L",
            rights=[outdoor, design],
            **guide,
        )
        produced = date.today() - timedelta(days=30)
        for product, prefix, origin in ((jacket, "TJ", "VN"), (pack, "SB", "PT")):
            rows = [
                items.check_item_row(
                    gtin=product.gtin,
                    serial=f"{prefix}{n:07d}",
                    lot=f"L{n // 100:03d}",
                    production_date=produced,
                    origin=origin,
                )
                for n in range(1, per_product + 1)
            ]
            items.register_rows(brand=acme, rows=rows)
        sample = list(jacket.items.order_by("serial")[:4])
        items.record_event(
            actor=brand_admin, item=sample[0], kind="shipped", details={"note": "Container MSCU1234567"}
        )
        items.record_event(
            actor=brand_admin, item=sample[1], kind="recalled", details={"note": "Faulty zip, lot L000"}
        )
        items.record_event(
            actor=brand_admin, item=sample[2], kind="stolen", details={"note": "Lorry theft near Venlo"}
        )
        items.record_event(actor=brand_admin, item=sample[3], kind="destroyed")
        # A licence of the mark in Sweden and Finland: the licensee's own labels.
        rights.grant_licence(
            actor=brand_admin, right=outdoor, licensee=nordic, territory=["SE", "FI"], ends=date(2028, 12, 31)
        )
        items.register_rows(
            brand=nordic,
            rows=[items.check_item_row(gtin=jacket.gtin, serial=f"NG{n:07d}") for n in range(1, 6)],
        )
        rule_runs.run_rules()  # the old mark lapses, by the rules, as the daily run would
        self._enforcement(acme, nordic, customs, office_admin, user, outdoor, design, jacket, pack)
        return [
            ("office", "office administrator"),
            ("brand", "brand administrator (Acme Outdoor)"),
            ("operator", "brand operator (Acme Outdoor)"),
            ("officer", "customs officer (Rotterdam)"),
            ("supervisor", "customs supervisor (Rotterdam)"),
            ("licensee", "brand administrator (Nordic Gear, licensee)"),
            ("officer-be", "customs officer (Antwerp): Acme does not share its guides with it"),
            ("lawyer", "legal representative (Brandguard) of Acme and Nordic Gear"),
        ]

    def _enforcement(self, acme, nordic, customs, office_admin, user, outdoor, design, jacket, pack):
        """Applications for action (one granted for a year, one about to expire), a case under
        each procedure, a risk alert, and a second customs authority the holder does not
        share its guides with (docs/enforcement.md)."""
        supervisor = User.objects.get(username="supervisor")
        officer = User.objects.get(username="officer")
        brand_admin = User.objects.get(username="brand")
        afa = applications.file_application(
            actor=brand_admin,
            holder=acme,
            competent_authority=customs,
            rights=[outdoor, design],
            small_consignment_rights=[outdoor],
            products=[jacket, pack],
            contact_name="Brand protection desk",
            contact_email="brand-protection@acme.example",
            contact_phone="+49 30 0000 0000",
            liability_undertaking=True,
        )
        applications.decide(actor=supervisor, application=afa, decision="granted")
        nordic_afa = applications.file_application(
            actor=User.objects.get(username="licensee"),
            holder=nordic,
            competent_authority=customs,
            rights=list(nordic.ip_rights.filter(status="registered")),
            contact_name="Nordic Gear legal",
            contact_email="ip@nordic.example",
            liability_undertaking=True,
        )
        applications.decide(
            actor=supervisor,
            application=nordic_afa,
            decision="granted",
            valid_until=date.today() + timedelta(days=20),  # about to expire: the holder is reminded
        )
        antwerp = authorities.create_customs_authority(
            actor=office_admin, name="Douane Antwerpen (demo)", country="BE", slug="be-customs"
        )
        antwerp_officer = user("officer-be", antwerp, Role.CUSTOMS_OFFICER)
        details = {
            "origin_country": "CN",
            "dispatch_country": "CN",
            "transport_mode": "sea",
            "unit": "pieces",
        }
        cases.open_case(  # under the application (Art. 17): no genuine label at all
            actor=officer,
            goods="Jackets bearing the ACME mark, no labels",
            quantity=240,
            product=jacket,
            details=details
            | {
                "declarant": "Demo Trading BV",
                "declaration_ref": "26NL000000DEMO0001",
                "estimated_value": "43200",
            },
        )
        for n, (goods, mode) in enumerate(
            [("One jacket in a postal parcel", "post"), ("Two jackets, express parcel", "courier")], 1
        ):
            cases.open_case(  # parcels under the small-consignment procedure (Art. 26)
                actor=officer,
                goods=goods,
                quantity=n,
                product=jacket,
                small_consignment=True,
                details={"origin_country": "CN", "transport_mode": mode, "tracking_ref": f"LX00000000{n}CN"},
            )
        cases.open_case(  # a second case under the application, by air
            actor=officer,
            goods="Backpacks with the SUMMIT design",
            quantity=12,
            product=pack,
            details={"origin_country": "HK", "dispatch_country": "HK", "transport_mode": "air"},
        )
        for goods, quantity, product in [
            ("Backpacks with the SUMMIT design", 60, pack),
            ("Jackets", 30, jacket),
        ]:
            cases.open_case(  # ex officio in Antwerp (Art. 18): Acme has no application there
                actor=antwerp_officer,
                goods=goods,
                quantity=quantity,
                product=product,
                details={"origin_country": "TR", "transport_mode": "road"},
            )
        # A legal representative with two clients, each under its mandate.
        firm = mandates.create_representative(
            actor=office_admin, name="Brandguard Legal (demo)", slug="brandguard", country="NL"
        )
        user("lawyer", firm, Role.REPRESENTATIVE)
        mandates.grant(actor=brand_admin, holder=acme, representative=firm)
        mandates.grant(actor=User.objects.get(username="licensee"), holder=nordic, representative=firm)
        risk_alerts.post_alert(
            actor=brand_admin,
            holder=acme,
            kind="route",
            title="Fake Trail Jackets declared as 'textiles' via Hamburg",
            details="Containers from Ningbo, 20-40 cartons, consignees newly registered in the EU.",
            origin_country="CN",
            authorities=[customs],
            products=[jacket],
            ends=date.today() + timedelta(days=60),
        )
