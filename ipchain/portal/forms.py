from django import forms
from django.utils.translation import gettext_lazy as _

from ipchain.registry.models import IpRight, ItemEvent, Product


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
        }


class ProductGuideForm(ProductForm):
    class Meta(ProductForm.Meta):
        fields = [f for f in ProductForm.Meta.fields if f != "gtin"]


class ProductPhotoForm(forms.Form):
    photo = forms.ImageField(label=_("Photo of the genuine product or its packaging"))
    caption = forms.CharField(max_length=200, required=False, label=_("What it shows"))


class ItemForm(forms.Form):
    serial = forms.CharField(max_length=20, label=_("Serial number"))
    lot = forms.CharField(max_length=20, required=False, label=_("Lot"))
    production_date = forms.DateField(
        required=False, label=_("Production date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    origin = forms.CharField(max_length=2, required=False, label=_("Country of origin (ST.3)"))


class EventForm(forms.Form):
    event = forms.ChoiceField(choices=ItemEvent.Kind.choices, label=_("Event"))
    to = forms.CharField(max_length=64, required=False, label=_("New owner (identifier), for a transfer"))
    licensee = forms.CharField(max_length=200, required=False, label=_("Licensee, for a licence"))
    note = forms.CharField(max_length=200, required=False, label=_("Note"))

    def details(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "event" and v}


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
        label=_("Replace the active key"),
        help_text=_("Labels and records signed with the old key stay valid; new ones use the new key."),
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
    format = forms.ChoiceField(choices=[("pdf", "PDF sheets"), ("png", "PNG (zip)"), ("svg", "SVG (zip)")])
    paper = forms.ChoiceField(choices=[("A4", "A4"), ("Letter", "Letter")])
    label_mm = forms.TypedChoiceField(
        coerce=int, choices=[(25, "25 mm"), (38, "38 mm"), (50, "50 mm")], initial=38
    )
    gtin = forms.CharField(max_length=14, required=False, label=_("Only this GTIN"))
    lot = forms.CharField(max_length=20, required=False, label=_("Only this lot"))
    bulk_job = forms.IntegerField(required=False, label=_("Only items of bulk job #"))


class HolderForm(forms.Form):
    slug = forms.SlugField(max_length=64, label=_("Identifier"))
    name = forms.CharField(max_length=200)
    country = forms.CharField(max_length=2, label=_("Country (ST.3)"))
    contact_email = forms.EmailField(required=False)
    right_kind = forms.ChoiceField(choices=IpRight.Kind.choices, label=_("IP right"))
    right_office = forms.CharField(max_length=2, label=_("Granting office (ST.3)"))
    right_number = forms.CharField(max_length=64, label=_("Registration number"))
    right_nice = forms.CharField(
        max_length=100, required=False, label=_("Nice classes"), help_text=_("e.g. 18, 25")
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("admitted", _("Admit")), ("suspended", _("Suspend"))])
    reason = forms.CharField(max_length=300, required=False)
