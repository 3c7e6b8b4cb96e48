from django.db import migrations, models


def tax_country_from_hub(apps, schema_editor):
    """Lines placed before the place of taxation was kept were taxed in their hub's country."""
    OrderLine = apps.get_model("orders", "OrderLine")
    Hub = apps.get_model("hubs", "Hub")
    for hub_id, country in Hub.objects.values_list("pk", "country"):
        OrderLine.objects.filter(order__hub_id=hub_id).update(tax_country=country)


class Migration(migrations.Migration):

    dependencies = [
        ("hubs", "0001_initial"),
        ("orders", "0004_order_customer_country_and_company"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="tax_place",
            field=models.CharField(
                choices=[("origin", "Seller's member state"), ("destination", "Consumer's member state")],
                default="origin",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="orderline",
            name="tax_country",
            field=models.CharField(default="FR", max_length=2),
        ),
        migrations.RunPython(tax_country_from_hub, migrations.RunPython.noop),
    ]
