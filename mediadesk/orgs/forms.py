"""Login forms."""

from __future__ import annotations

from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名或手机号", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, max_length=128)


class TotpForm(forms.Form):
    code = forms.CharField(label="6 位验证码", max_length=8, min_length=6)
