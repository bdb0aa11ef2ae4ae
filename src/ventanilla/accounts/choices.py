from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CUSTOMER_MANAGER = "customer_manager", _("Customer manager")
    AGENT = "agent", _("Agent")
    TEAM_LEAD = "team_lead", _("Team lead")
    MANAGER = "manager", _("Service-desk manager")
    ADMIN = "admin", _("Administrator")


CUSTOMER_ROLES = frozenset({Role.CUSTOMER, Role.CUSTOMER_MANAGER})
STAFF_ROLES = frozenset({Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})
SEE_ALL_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


class Language(models.TextChoices):
    ES = "es", _("Spanish")
    EN = "en", _("English")


class AssignmentStrategy(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")
