from django import forms
from django.utils.translation import gettext_lazy as _


class SignInCodeForm(forms.Form):
    """The second step: six digits from the authenticator app, or one recovery code."""

    otp_token = forms.CharField(
        label=_("Kode dari aplikasi autentikator atau kode pemulihan"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}),
    )


class AppCodeForm(forms.Form):
    """A code from the new authenticator app: confirms an enrolment."""

    otp_token = forms.CharField(
        label=_("Kode 6 angka dari aplikasi"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReplaceDeviceForm(AppCodeForm):
    """A new phone: the new app's code, and the current second factor (the old app or a recovery code)."""

    current_token = forms.CharField(
        label=_("Kode dari aplikasi yang lama atau kode pemulihan"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )
