from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Plans and subscriptions"

    def ready(self) -> None:
        from billing.entitlements import PlanAllowanceRules
        from billing.holders import billing_holders_register
        from billing.panels import plan_panel_register
        from core.allowances import allowance_rules_install

        allowance_rules_install(PlanAllowanceRules())
        plan_panel_register()
        billing_holders_register()
