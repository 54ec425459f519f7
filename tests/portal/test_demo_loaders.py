"""`manage.py load_demo` runs the province's demo and then each app's, registered by the apps themselves."""

import dossiers.demo
import payments.demo
import procedures.demo
import reporting.demo
import repository.demo
from portal.demo import app_demo_loaders


def test_each_app_registers_its_demo_in_the_layering_order():
    assert app_demo_loaders() == [
        procedures.demo.load,
        dossiers.demo.load,
        payments.demo.load,
        repository.demo.load,
        reporting.demo.load,
    ]
