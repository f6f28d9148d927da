from django import forms


class ConsentSignForm(forms.Form):
    """The act of signing: the text's hash, the typed name, and a password or a code."""

    document_sha256 = forms.CharField(widget=forms.HiddenInput)
    typed_name = forms.CharField(
        max_length=200,
        label="Type your full name to sign",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        required=False,
        label="Your password, to confirm it is you",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    totp_code = forms.CharField(
        required=False,
        max_length=12,
        label="The current code from your authenticator app",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )

    def __init__(self, *args: object, uses_totp: bool, expected_name: str, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["typed_name"].help_text = f"Exactly as: {expected_name}"
        # Someone with two-factor set up signs with a code; anyone else with their password.
        del self.fields["password" if uses_totp else "totp_code"]
        self.fields["totp_code" if uses_totp else "password"].required = True
