from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    """Certificates: numbering, issuance, lookup, revocation."""

    name = "certificates"
    verbose_name = "证书"
