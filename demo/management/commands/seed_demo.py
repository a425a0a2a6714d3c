"""python manage.py seed_demo [--households N] [--seed S] — the demo county: users of every role and N special
families (later: visits …), the same for the same seed."""

import pghistory
from django.core.management.base import BaseCommand
from django.utils import translation

from demo.services import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Build the demo data on the sample regions (load_regions demo/regions_sample.csv first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--households", type=int, default=300, help="number of special families (default 300)")

    def handle(self, *args, seed: int, households: int, **options) -> None:
        translation.activate("zh-hans")
        with pghistory.context(command="seed_demo"):
            logins = demo_seed(seed=seed, households=households)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role} · {login.region}")
        self.stdout.write("")
