"""GET /api/v1/bulletins/: current bulletins, in the API's style (the same base view,
parameters refused when unknown, page links, CSV)."""

from __future__ import annotations

from django.conf import settings
from django.http.response import HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request

from agriprices.api import params as p
from agriprices.api.base import PAGED_ERRORS, ApiView, PagePagination
from agriprices.api.serializers import RegionSerializer
from telecentre.models import Bulletin


class BulletinSerializer(serializers.ModelSerializer):
    regions = RegionSerializer(many=True, read_only=True)

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "title",
            "category",
            "language",
            "regions",
            "body",
            "sms_summary",
            "published_at",
            "expires_on",
        ]


class BulletinParams(p.QueryParams):
    region = p.region_ref(required=False)
    category = serializers.ChoiceField(choices=Bulletin.Category.choices, required=False)
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES], required=False
    )


class BulletinList(ApiView):
    serializer_class = BulletinSerializer
    pagination_class = PagePagination
    params_class = BulletinParams

    @extend_schema(
        summary="Current bulletins, newest first",
        parameters=[BulletinParams],
        responses={200: BulletinSerializer(many=True), **PAGED_ERRORS},
    )
    def get(self, request: Request) -> HttpResponseBase:
        wanted = self.params().validated_data
        rows = Bulletin.objects.current().prefetch_related("regions")
        if wanted.get("region"):
            rows = rows.filter(regions=wanted["region"])
        for field in ("category", "language"):
            if wanted.get(field):
                rows = rows.filter(**{field: wanted[field]})
        return self.paged(rows.order_by("-published_at", "-id"))
