"""Collection plans become effective-dated versions: a market may have several, each
from the day it takes effect, so that a change judges the days from then on and leaves
the past as it was.

Each existing plan becomes its market's one version, taking effect on the day it was
created: it is the plan operators have read the market's rounds by since then (the
collection page judged every past week by it), and a later edit left no trace of what
it replaced, so there is no earlier version to restore. The day of creation is read
from the audit trail (the newest "schedule: default -> ..." row of the market's plan
that is not after the plan's last change: the row its creation wrote); where the trail
has none (pruned after AUDIT_RETENTION_DAYS, or a plan made outside the admin and the
dashboard), the day of its last change (updated_at) is the best date there is: from
then on, at least, it is certainly the plan."""

from django.db import migrations, models
from django.utils import timezone


def effective_from_creation(apps, schema_editor):
    CollectionPlan = apps.get_model("agriprices", "CollectionPlan")
    AuditEvent = apps.get_model("agriprices", "AuditEvent")
    for plan in CollectionPlan.objects.select_related("market").iterator():
        created = (
            AuditEvent.objects.filter(
                action="plan_changed",
                subject=f"collection plan {plan.market.slug}",
                detail__startswith="schedule: default ->",
                at__lte=plan.updated_at,
            )
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        plan.effective_from = timezone.localdate(created or plan.updated_at)
        plan.save(update_fields=["effective_from"])


class Migration(migrations.Migration):
    dependencies = [
        ("agriprices", "0015_quote_collection_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="collectionplan",
            name="effective_from",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(effective_from_creation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="collectionplan",
            name="effective_from",
            field=models.DateField(
                default=timezone.localdate,
                help_text="The first day this plan applies to; days before it keep the plan they had.",
                verbose_name="takes effect",
            ),
        ),
        migrations.AlterField(
            model_name="collectionplan",
            name="market",
            field=models.ForeignKey(
                on_delete=models.deletion.CASCADE,
                related_name="collection_plans",
                to="agriprices.market",
                verbose_name="market",
            ),
        ),
        migrations.AlterModelOptions(
            name="collectionplan",
            options={
                "ordering": ["market", "-effective_from"],
                "verbose_name": "collection plan",
                "verbose_name_plural": "collection plans",
            },
        ),
        migrations.AddConstraint(
            model_name="collectionplan",
            constraint=models.UniqueConstraint(
                fields=("market", "effective_from"), name="collection_plan_version_once"
            ),
        ),
    ]
