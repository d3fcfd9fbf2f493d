from django import forms
from django.utils.translation import gettext_lazy as _

from ipchain.accounts.models import Organisation
from ipchain.registry import label_jobs
from ipchain.registry.models import IpRight, ItemEvent, Product
from ipchain.registry.provenance import EVENT_SIGNERS
from ipchain.registry.st3 import ORGANISATIONS, ST3_CODES, STATES

# Pickers with the standard's names, never a free two-letter box ("Vietnam" cut to "Vi").
COUNTRY_CHOICES = [("", "—")] + [
    (code, f"{name} ({code})") for code, name in sorted(STATES.items(), key=lambda c: c[1])
]
OFFICE_CHOICES = [("", "—")] + [
    (code, f"{ST3_CODES[code]} ({code})")
    for code in sorted(ORGANISATIONS, key=ST3_CODES.get) + sorted(STATES, key=STATES.get)
]


def identifier_field(invalid) -> forms.SlugField:
    """An organisation's identifier in addresses and records, made from its name when left
    empty; `invalid` says what one looks like."""
    return forms.SlugField(
        max_length=64,
        required=False,
        label=_("Identifier"),
        help_text=_("Used in addresses and records. Left empty, it is made from the name."),
        error_messages={"invalid": invalid},
    )


class CodeChoiceField(forms.ChoiceField):
    """A WIPO ST.3 code from a picker; a code typed in lower case is the same code."""

    default_error_messages = {
        "invalid_choice": _("Choose a country or office from the list (WIPO ST.3 codes).")
    }

    def to_python(self, value):
        return super().to_python(value).strip().upper()


# The link of the invitation just made, in the session: shown once, on the next page.
INVITATION_LINK_KEY = "ipchain:invitation-link"

# What a rights holder or an owner records; customs outcomes are the customs authority's.
HOLDER_EVENTS = [(kind, label) for kind, label in ItemEvent.Kind.choices if kind in EVENT_SIGNERS]


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "gtin",
            "name",
            "description",
            "genuine_features",
            "packaging",
            "made_in",
            "trade_routes",
            "contact",
            "image",
        ]
        widgets = {
            f: forms.Textarea(attrs={"rows": 3})
            for f in ["description", "genuine_features", "packaging", "trade_routes"]
        } | {"gtin": forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}), "image": forms.FileInput}
        labels = {
            "gtin": _("GTIN"),
            "name": _("Product name"),
            "description": _("Description"),
            "genuine_features": _("How to tell the genuine product"),
            "packaging": _("What genuine packaging looks like"),
            "made_in": _("Where it is made"),
            "trade_routes": _("Legitimate trade routes and distributors"),
            "contact": _("Who customs should call"),
            "image": _("Product picture"),
        }
        help_texts = {
            "gtin": _("8, 12, 13 or 14 digits, as printed under the barcode."),
            "genuine_features": _("What customs officers can check on the goods themselves."),
        } | {f: "" for f in ["packaging", "made_in", "trade_routes", "contact"]}


class ProductGuideForm(ProductForm):
    """The guide of a product already registered: its GTIN stays; a new picture replaces the
    old one, or the picture is removed (one box, with its words, never Django's "Clear")."""

    remove_image = forms.BooleanField(required=False, label=_("Remove the product picture"))

    class Meta(ProductForm.Meta):
        fields = [f for f in ProductForm.Meta.fields if f != "gtin"]
        labels = ProductForm.Meta.labels | {"image": _("New product picture")}

    def clean(self):
        data = super().clean()
        if data.pop("remove_image", False) and not data.get("image"):
            data["image"] = False  # as a cleared file input gives it: the file goes
        return data


class ProductPhotoForm(forms.Form):
    photo = forms.ImageField(label=_("Photo of the genuine product or its packaging"))
    caption = forms.CharField(max_length=200, required=False, label=_("What it shows"))


class ItemForm(forms.Form):
    serial = forms.CharField(max_length=20, label=_("Serial number"))
    lot = forms.CharField(max_length=20, required=False, label=_("Lot"))
    production_date = forms.DateField(
        required=False, label=_("Production date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    origin = CodeChoiceField(choices=COUNTRY_CHOICES, required=False, label=_("Country of origin"))


class EventForm(forms.Form):
    event = forms.ChoiceField(choices=HOLDER_EVENTS, label=_("What happened"))
    to = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        required=False,
        label=_("New owner, for a transfer"),
    )
    licensee = forms.CharField(max_length=200, required=False, label=_("Licensee, for a licence"))
    note = forms.CharField(max_length=200, required=False, label=_("Note"))

    def __init__(self, *args, holder: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        # Chosen by name among the admitted rights holders; customs authorities hold goods,
        # they never own items (registry/items.py refuses them too).
        self.fields["to"].queryset = (
            Organisation.objects.filter(kind=Organisation.Kind.BRAND, status=Organisation.Status.ADMITTED)
            .exclude(pk=holder.pk)
            .order_by("name")
        )

    def clean(self):
        data = super().clean()
        if data.get("event") == "ownership_transferred" and not data.get("to"):
            self.add_error("to", _("Choose the new owner."))
        if data.get("event") == "licensed" and not data.get("licensee"):
            self.add_error("licensee", _("Name the licensee."))
        return data

    def details(self) -> dict:
        details = {k: v for k, v in self.cleaned_data.items() if k not in ("event", "to") and v}
        if self.cleaned_data.get("to"):
            details["to"] = self.cleaned_data["to"].slug
        return details


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or JSON file"), help_text=_("Columns: gtin, serial, lot, production_date, origin")
    )
    skip_bad_rows = forms.BooleanField(required=False, label=_("Register the good rows and skip bad ones"))


class KeyForm(forms.Form):
    public_pem = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Your public key (PEM), to keep the private key yourself"),
        help_text=_("Leave empty to let this node hold a key for you, encrypted at rest."),
    )
    rotate = forms.BooleanField(
        required=False,
        label=_("Yes, replace the active key"),
        help_text=_("Labels and records signed with the old key stay valid; new ones use the new key."),
    )

    def __init__(self, *args, rotating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # With a key in use, replacing it is asked for in so many words, never one tap.
        self.fields["rotate"].required = rotating
        self.fields["rotate"].error_messages["required"] = _(
            "You already have an active key: tick the box to replace it."
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=200, label=_("Reason"))
    effective_at = forms.DateTimeField(
        required=False,
        label=_("Effective from (UTC)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("After a compromise: when it started. Records accepted after this time become invalid."),
    )


class LabelJobForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("pdf", _("PDF sheets to print")),
            ("png", _("PNG images (zip)")),
            ("svg", _("SVG images (zip)")),
        ],
    )
    paper = forms.ChoiceField(label=_("Paper"), choices=[("A4", "A4"), ("Letter", "Letter")])
    label_mm = forms.TypedChoiceField(
        label=_("Label size"), coerce=int, choices=[(25, "25 mm"), (38, "38 mm"), (50, "50 mm")], initial=38
    )
    gtin = forms.CharField(max_length=14, required=False, label=_("Only this GTIN"))
    lot = forms.CharField(max_length=20, required=False, label=_("Only this lot"))
    bulk_job = forms.IntegerField(
        required=False, min_value=1, max_value=label_jobs.MAX_ID, label=_("Only the items of upload no.")
    )


class HolderRightForm(forms.Form):
    """An IP right the office records for a rights holder (with the holder, or later)."""

    right_kind = forms.ChoiceField(choices=IpRight.Kind.choices, label=_("IP right"))
    right_office = CodeChoiceField(choices=OFFICE_CHOICES, label=_("Granting office"))
    right_number = forms.CharField(max_length=64, label=_("Registration number"))
    right_nice = forms.CharField(
        max_length=100,
        required=False,
        label=_("Classes"),
        help_text=_("Nice classes for a trade mark (e.g. 18, 25), Locarno classes for a design (e.g. 2)"),
    )
    right_filed = forms.DateField(
        required=False, label=_("Filing date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    right_expiry = forms.DateField(
        required=False,
        label=_("Expiry date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Left empty: the full term from filing (10 years for a trade mark, 5 for a design)."),
    )

    def right(self) -> dict:
        """The right as rights.add_ip_right takes it."""
        d = self.cleaned_data
        classes = [int(c) for c in d["right_nice"].replace(",", " ").split() if c.isascii() and c.isdigit()]
        return {
            "kind": d["right_kind"],
            "office": d["right_office"],
            "registration_number": d["right_number"],
            "locarno_classes" if d["right_kind"] == "design" else "nice_classes": classes,
            "filing_date": d.get("right_filed"),
            "expiry_date": d.get("right_expiry"),
        }


class HolderForm(HolderRightForm):
    field_order = ["name", "slug", "country", "contact_email"]

    name = forms.CharField(max_length=200, label=_("Name"))
    slug = identifier_field(_("Use only letters, digits and hyphens, e.g. acme-outdoor."))
    country = CodeChoiceField(choices=COUNTRY_CHOICES, label=_("Country"))
    contact_email = forms.EmailField(required=False, label=_("Contact e-mail"))


class CustomsAuthorityForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"), help_text=_("e.g. Douane Rotterdam"))
    slug = identifier_field(_("Use only letters, digits and hyphens, e.g. nl-customs."))
    country = CodeChoiceField(choices=COUNTRY_CHOICES, label=_("Country"))
    contact_email = forms.EmailField(required=False, label=_("Contact e-mail"))


class RepresentativeFirmForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"), help_text=_("e.g. Brandguard Legal"))
    slug = identifier_field(_("Use only letters, digits and hyphens, e.g. brandguard."))
    country = CodeChoiceField(choices=COUNTRY_CHOICES, label=_("Country"))


class PositionForm(forms.Form):
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, label=_("Latitude"), help_text=_("e.g. 51.95")
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, label=_("Longitude"), help_text=_("e.g. 4.03")
    )

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not self.errors:
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        return data


class CustomsOfficeForm(PositionForm):
    name = forms.CharField(
        max_length=120, label=_("Customs office"), help_text=_("e.g. Rotterdam Maasvlakte")
    )
    code = forms.CharField(
        max_length=17, required=False, label=_("Reference number"), help_text=_("e.g. NL000396 (optional)")
    )
    field_order = ["name", "code", "latitude", "longitude"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("admitted", _("Admit")), ("suspended", _("Suspend"))])
    reason = forms.CharField(max_length=300, required=False)


# --- IP rights (ipchain/portal/right_views.py) ---------------------------------------------------


class RenewForm(forms.Form):
    expiry = forms.DateField(
        label=_("New expiry"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave blank for a full term from the current expiry."),
    )


class AssignForm(forms.Form):
    new_owner = forms.ModelChoiceField(
        label=_("New owner"), queryset=Organisation.objects.filter(kind=Organisation.Kind.BRAND)
    )
    effective_date = forms.DateField(
        label=_("Takes effect on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    consent = forms.CharField(
        label=_("Owner's consent (deed reference)"),
        max_length=200,
        required=False,
        help_text=_("The office records an assignment on the owner's written consent."),
    )


class InvalidateForm(forms.Form):
    reason = forms.CharField(label=_("Grounds"), max_length=200)
    effective_date = forms.DateField(
        label=_("Takes effect on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class LicenceForm(forms.Form):
    licensee = forms.ModelChoiceField(
        label=_("Licensee"), queryset=Organisation.objects.filter(kind=Organisation.Kind.BRAND)
    )
    territory = forms.CharField(
        label=_("Territory"),
        max_length=200,
        help_text=_("Country codes, comma-separated (EM: the whole EU)."),
    )
    starts = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    exclusive = forms.BooleanField(label=_("Exclusive"), required=False)

    def clean_territory(self):
        return [code.strip().upper() for code in self.cleaned_data["territory"].split(",") if code.strip()]


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("I understand this cannot be undone"))


class ProductRightsForm(forms.Form):
    rights = forms.ModelMultipleChoiceField(
        label=_("IP rights that protect it"),
        queryset=IpRight.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Labels of this product are valid only while one of these rights is in force."),
    )

    def __init__(self, *args, holder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rights"].queryset = IpRight.objects.filter(
            holder=holder, status=IpRight.Status.REGISTERED
        )
