"""`make run`: migrate, load the demo group when the database is empty, then run the web server
and the huey job worker together until Ctrl-C."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from dealercare.demo.generator import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Migrate, load the demo data if empty, and run the web server and job worker together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, host, port, web_workers, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo", if_empty=True)
        python = sys.executable
        web = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "dealercare.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ]
        )
        worker = subprocess.Popen([python, "-m", "dealercare", "run_huey", "--quiet"])
        url = f"http://{host}:{port}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"DealerCare is running at {url}"))
        self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']}")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for role, username in demo_logins():
            self.stdout.write(f"  {role:<10} {username}")
        self.stdout.write("Admin: " + url + "admin/  ·  API docs: " + url + "api/v1/docs")
        self.stdout.write("Press Ctrl-C to stop the web server and the worker.")
        processes = [web, worker]

        def stop(*_):
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        failed = [p for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed:
            self.stderr.write("A process stopped unexpectedly; see its output above.")
