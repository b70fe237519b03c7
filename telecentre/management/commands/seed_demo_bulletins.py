from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from agriprices.models import Region
from telecentre.models import Bulletin

DEMO = [
    (
        "Night frost expected this week",
        "weather",
        "en",
        "Temperatures may fall to -3 °C on Wednesday and Thursday nights. Cover seedlings "
        "and bring young animals in.",
        "Frost Wed/Thu nights: cover seedlings.",
    ),
    (
        "Колорадский жук: время обработки",
        "pests",
        "ru",
        "В Ошской и Джалал-Абадской областях появились личинки колорадского жука. "
        "Осмотрите посадки картофеля и обработайте их до цветения.",
        "Колорадский жук: осмотрите картофель.",
    ),
    (
        "Potato prices rise before winter",
        "market",
        "en",
        "Retail potato prices rose in most markets over the last two weeks as stores fill "
        "for winter. Compare markets before you sell.",
        "",
    ),
]


class Command(BaseCommand):
    help = "Add the demo's bulletins (published, for every region); run after seed_demo."

    def handle(self, *args: Any, **options: Any) -> None:
        regions = list(Region.objects.all())
        made = 0
        for title, category, language, body, summary in DEMO:
            bulletin, created = Bulletin.objects.get_or_create(
                title=title,
                defaults={
                    "category": category,
                    "language": language,
                    "body": body,
                    "sms_summary": summary,
                    "published_at": timezone.now(),
                },
            )
            if created:
                bulletin.regions.set(regions)
                made += 1
        self.stdout.write(f"{made} demo bulletin(s) added.")
