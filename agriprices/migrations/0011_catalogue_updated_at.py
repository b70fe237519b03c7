import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """When each region, commodity, market and unit last changed: cached answers that
    show their names are keyed by it."""

    dependencies = [
        ("agriprices", "0010_audit_trail"),
    ]

    operations = [
        migrations.AddField(
            model_name=model,
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, verbose_name="updated"
            ),
            preserve_default=False,
        )
        for model in ("region", "commodity", "market", "unit")
    ]
