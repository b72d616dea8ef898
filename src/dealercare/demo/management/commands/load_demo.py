import time

from django.core.management.base import BaseCommand, CommandError

from dealercare.demo.bulk import SIZES, BenchDataSetRefused, bench_dataset_build
from dealercare.demo.generator import DEMO_PASSWORD, DemoGenerator, demo_logins
from dealercare.org.models import Store


class Command(BaseCommand):
    help = "Load the demo dealer group (12 stores, staff for every role, customers, vehicles)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20261126)
        parser.add_argument("--customers", type=int, default=3000)
        parser.add_argument("--vehicles", type=int, default=4000)
        parser.add_argument(
            "--history-days", type=int, default=182, help="days of past appointments"
        )
        parser.add_argument("--repair-orders-per-day", type=int, default=12)
        parser.add_argument(
            "--repair-order-days", type=int, default=730, help="days of past repair orders"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when stores already exist"
        )
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            help="a benchmark data set instead (PostgreSQL): S = 1 store, 1 year; M = 12 stores, "
            "3 years; L = 12 stores, 5 years (1.3 million repair orders)",
        )

    def handle(self, *args, seed, customers, vehicles, history_days, if_empty, **options):
        ro_per_day = options["repair_orders_per_day"]
        ro_days = options["repair_order_days"]
        if if_empty and Store.objects.exists():
            self.stdout.write("Database already has data: demo not loaded.")
            return
        started = time.monotonic()
        if options["size"]:
            try:
                built = bench_dataset_build(
                    SIZES[options["size"]], seed=seed, log=self.stdout.write
                )
            except BenchDataSetRefused as exc:
                raise CommandError(f"{exc} (set DATABASE_URL)") from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"Data set {built['size']} built in {time.monotonic() - started:.1f} s."
                )
            )
            return
        counts = DemoGenerator(
            seed=seed,
            customers=customers,
            vehicles=vehicles,
            history_days=history_days,
            repair_orders_per_day=ro_per_day,
            repair_order_days=ro_days,
        ).generate()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo loaded in {:.1f} s: {stores} stores, {staff} staff, {customers} customers, "
                "{vehicles} vehicles, {appointments} appointments, "
                "{repair_orders} repair orders, {follow_ups} follow-ups, "
                "{complaints} complaints.".format(time.monotonic() - started, **counts)
            )
        )
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for role, username in demo_logins():
            self.stdout.write(f"  {role:<10} {username}")
