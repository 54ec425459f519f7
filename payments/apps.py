from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Thanh toán"

    def ready(self) -> None:
        # The dossier core (a lower layer) asks about payments through its extension point.
        from dossiers.generator import register_generator_step
        from dossiers.payment_hooks import PaymentHooks, register_payment_hooks
        from portal.demo import register_app_demo

        from . import demo, generator, registry, services, tasks, views  # noqa: F401  (tasks register with Celery)
        from .contrib.national.plugin import NationalPlatformProvider
        from .contrib.vietqr.plugin import VietQrProvider
        from .contrib.vnpay.plugin import VnpayProvider

        registry.register(VnpayProvider())
        registry.register(NationalPlatformProvider())
        registry.register(VietQrProvider())
        register_payment_hooks(
            PaymentHooks(submission_problems=services.submission_problems, dossier_panel=views.dossier_panel)
        )
        register_app_demo(self.label, demo.load)
        # The scale generator (manage.py generate_dossiers) pays the generated dossiers' fees.
        register_generator_step(generator.payments_for_generated)
