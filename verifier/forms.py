"""Forms of the verifier's pages: a detention case and the answers to it."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ipchain.registry.st3 import state_choices

from .cases import DETAIL_FIELDS
from .models import Case

MAX_PHOTOS = 6


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.ImageField):
    """Several photos in one input; each one checked to be an image by Pillow."""

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)s photos.") % {"n": MAX_PHOTOS})
        cleaned = []
        for file in files:
            if file.size > settings.IPCHAIN_CASE_PHOTO_MAX_BYTES:
                raise ValidationError(
                    _("A photo is at most %(mb)s MB.")
                    % {"mb": settings.IPCHAIN_CASE_PHOTO_MAX_BYTES // 2**20}
                )
            cleaned.append(super().clean(file, initial))
        return cleaned


class CaseForm(forms.Form):
    """Detain goods. The first fields are all a parcel needs; the declaration's details follow."""

    right_number = forms.CharField(
        label=_("IP right number"),
        max_length=40,
        required=False,
        help_text=_(
            "For goods found with no registered product: "
            "the number of the trade mark or design they infringe."
        ),
    )
    goods = forms.CharField(
        label=_("Goods"), max_length=300, help_text=_("What is detained, as on the declaration")
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10_000_000, initial=1)
    unit = forms.ChoiceField(
        label=_("Unit"), choices=Case.Unit.choices, initial=Case.Unit.PIECES, required=False
    )
    small_consignment = forms.BooleanField(
        label=_("Small consignment: a parcel of at most 3 units or 2 kg (Art. 26)"), required=False
    )
    tracking_ref = forms.CharField(label=_("Parcel tracking number"), max_length=40, required=False)
    photos = MultipleImageField(
        label=_("Photos"),
        required=False,
        widget=MultipleImageInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    declarant = forms.CharField(label=_("Declarant or holder of the goods"), max_length=200, required=False)
    consignor = forms.CharField(label=_("Consignor"), max_length=200, required=False)
    consignee = forms.CharField(label=_("Consignee"), max_length=200, required=False)
    origin_country = forms.ChoiceField(label=_("Country of origin"), choices=state_choices, required=False)
    dispatch_country = forms.ChoiceField(
        label=_("Country of dispatch"), choices=state_choices, required=False
    )
    transport_mode = forms.ChoiceField(
        label=_("Transport"), choices=[("", "—"), *Case.Transport.choices], required=False
    )
    declaration_ref = forms.CharField(label=_("Declaration reference (MRN)"), max_length=40, required=False)
    estimated_value = forms.DecimalField(
        label=_("Estimated value of the genuine goods, in euro"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    perishable = forms.BooleanField(label=_("Perishable goods"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea, required=False, max_length=5000)

    # The fields a parcel needs, shown first; the rest under "Declaration and parties".
    FIRST = ("right_number", "goods", "quantity", "unit", "small_consignment", "tracking_ref", "photos")

    def __init__(self, *args, needs_right: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_right:
            del self.fields["right_number"]
        else:
            self.fields["right_number"].required = True

    def details(self) -> dict:
        """The case's parties, movement and value, for cases.open_case(details=...)."""
        return {name: self.cleaned_data.get(name) for name in DETAIL_FIELDS}

    def first_fields(self):
        return [self[name] for name in self.FIRST if name in self.fields]

    def more_fields(self):
        return [self[name] for name in self.fields if name not in self.FIRST]


class PhotosForm(forms.Form):
    photos = MultipleImageField(
        label=_("Add photos"),
        widget=MultipleImageInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class SuspicionForm(forms.Form):
    note = forms.CharField(
        label=_("What looks wrong"),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),  # written in any language
        required=False,
        max_length=1000,
        help_text=_("Sent to the rights holder, not written in the public log."),
    )
