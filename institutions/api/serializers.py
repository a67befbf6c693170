from rest_framework import serializers

from institutions.models import Institution


class InstitutionSerializer(serializers.ModelSerializer):
    city_name = serializers.CharField(source="city.name", read_only=True)
    county_name = serializers.CharField(source="county.name", read_only=True, default="")

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "kind",
            "uscc",
            "city",
            "city_name",
            "county",
            "county_name",
            "responsible_person",
            "contact_phone",
            "address",
        ]
