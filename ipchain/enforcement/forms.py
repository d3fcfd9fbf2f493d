from django import forms
from django.utils.translation import gettext_lazy as _

from ipchain.accounts.models import Organisation
from ipchain.federation import peer_applications
from ipchain.registry.models import IpRight, Product
from ipchain.registry.st3 import state_choices

from .models import Application, RiskAlert


def _customs():
    return Organisation.objects.filter(kind=Organisation.Kind.CUSTOMS, status="admitted").order_by("name")


class ApplicationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of application"), choices=Application.Kind.choices)
    competent_authority = forms.ModelChoiceField(label=_("Competent customs department"), queryset=_customs())
    authorities = forms.ModelMultipleChoiceField(
        label=_("Customs authorities asked to act"),
        queryset=_customs(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The competent department is always asked."),
    )
    peer_authorities = forms.MultipleChoiceField(
        label=_("Customs authorities at other offices"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A Union application asks the authorities of other member states to act too (Art. 4)."),
    )
    rights = forms.ModelMultipleChoiceField(
        label=_("IP rights to protect"), queryset=IpRight.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    small_consignment_rights = forms.ModelMultipleChoiceField(
        label=_("Small-consignment procedure for"),
        queryset=IpRight.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Parcels of these rights' goods are destroyed unless the declarant objects (Art. 26)."),
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products and their identification guides"),
        queryset=Product.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    liability_undertaking = forms.BooleanField(
        label=_(
            "We undertake to bear the liability and the costs of customs action under this application "
            "(Regulation (EU) No 608/2013, Articles 28 and 29)."
        )
    )

    def __init__(self, *args, holder, **kwargs):
        super().__init__(*args, **kwargs)
        live = IpRight.objects.filter(holder=holder, status=IpRight.Status.REGISTERED)
        self.fields["rights"].queryset = live
        self.fields["small_consignment_rights"].queryset = live
        self.fields["products"].queryset = Product.objects.filter(brand=holder)
        abroad = peer_applications.known_authorities()
        if abroad:
            self.fields["peer_authorities"].choices = [(a.key, f"{a.name} ({a.office})") for a in abroad]
        else:
            del self.fields["peer_authorities"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("granted", _("Grant")),
            ("partly_granted", _("Grant in part")),
            ("rejected", _("Reject")),
        ],
    )
    granted_rights = forms.ModelMultipleChoiceField(
        label=_("Rights granted (for a partial grant)"),
        queryset=IpRight.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_until = forms.DateField(
        label=_("Customs act until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Left empty: a year from the day after the decision, the longest allowed."),
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for what is refused."),
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["granted_rights"].queryset = application.rights.all()


class ExtendForm(forms.Form):
    valid_until = forms.DateField(
        label=_("Customs act until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Left empty: a further year."),
    )


class ReasonsForm(forms.Form):
    reasons = forms.CharField(label=_("Reasons"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("I understand customs stop acting on this application"))


class RiskAlertForm(forms.Form):
    kind = forms.ChoiceField(label=_("What it is about"), choices=RiskAlert.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    details = forms.CharField(
        label=_("What officers should look for"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )
    party = forms.CharField(label=_("Shipper, consignee or marketplace"), max_length=200, required=False)
    origin_country = forms.ChoiceField(label=_("Country of origin"), choices=state_choices, required=False)
    dispatch_country = forms.ChoiceField(
        label=_("Country of dispatch"), choices=state_choices, required=False
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    authorities = forms.ModelMultipleChoiceField(
        label=_("Customs authorities to alert"), queryset=_customs(), widget=forms.CheckboxSelectMultiple
    )
    ends = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, holder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = Product.objects.filter(brand=holder)


class ShareForm(forms.Form):
    authority = forms.ModelChoiceField(label=_("Customs authority"), queryset=_customs())
