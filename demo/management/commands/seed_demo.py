"""python manage.py seed_demo [--households N] [--seed S] — the demo county: users of every role and N special
families with their contacts, visits, benefits (reviews, payouts, relief) and insurance, the same for the same seed."""

from django.core.management.base import BaseCommand
from django.utils import translation

from audit.history import history_context
from demo.services import DEMO_COUNTY_CODE, DEMO_PASSWORD, demo_seed
from regions.models import Region


class Command(BaseCommand):
    help = "Build the demo data on the sample regions (load_regions demo/regions_sample.csv first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--households", type=int, default=300, help="number of special families (default 300)")

    def handle(self, *args, seed: int, households: int, **options) -> None:
        translation.activate("zh-hans")
        county = Region.objects.filter(code=DEMO_COUNTY_CODE).first()
        with history_context(command="seed_demo", service="demo_seed", region_path=county.path if county else ""):
            logins = demo_seed(seed=seed, households=households)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role} · {login.region}")
        self.stdout.write("")
