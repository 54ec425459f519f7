"""The dashboard's filter lists are drawn in Python (`QuickSelect`) as Django's own select draws them (the
whitespace between tags aside)."""

from __future__ import annotations

import re

from django import forms

from reporting.forms import QuickSelect

CHOICES = [("", "Toàn tỉnh"), (3, "Sở Xây dựng"), (7, 'UBND xã "Ninh Hòa" & <Vạn Ninh>')]


def test_the_quick_select_draws_what_django_draws():
    for value in (None, "", 7, "3"):
        attrs = {
            "id": "id_co_quan",
            "aria-describedby": "id_co_quan_error",
            "required": True,
            "hidden": False,
        }
        quick = QuickSelect(attrs={"class": "form-select"}, choices=CHOICES)
        django_select = forms.Select(attrs={"class": "form-select"}, choices=CHOICES)
        expected = re.sub(r">\s+<", "><", str(django_select.render("co_quan", value, attrs=dict(attrs))))
        assert str(quick.render("co_quan", value, attrs=dict(attrs))) == expected
    drawn = QuickSelect(choices=CHOICES).render("co_quan", 7)
    assert '<option value="7" selected>UBND xã &quot;Ninh Hòa&quot; &amp; &lt;Vạn Ninh&gt;</option>' in drawn
