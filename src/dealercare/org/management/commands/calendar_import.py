"""`manage.py calendar_import --year 2027 notice-2027.csv`: import a State Council notice.

The file holds one date a line, `date,kind[,name]` (kind holiday/休 or workday/班), UTF-8, an
optional header. The year's holidays and make-up working days are replaced as a whole; a bad
line is reported with its number and nothing is saved (exit status 1).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dealercare.core.errors import DomainError
from dealercare.org.services import statutory_rows_parse, statutory_year_replace

DEFAULT_SOURCE = "国务院办公厅通知（命令行导入）"


class Command(BaseCommand):
    help = (
        "Import one year's statutory holidays and make-up working days from a CSV file "
        "(date,kind[,name]; kind holiday/休 or workday/班), replacing that year's data."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file, UTF-8")
        parser.add_argument("--year", type=int, required=True, help="the year the file is for")
        parser.add_argument("--source", default=DEFAULT_SOURCE, help="where the dates come from")

    def handle(self, *args, file: Path, year: int, source: str, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"--year {year}: expected a year between 2000 and 2100.")
        try:
            text = file.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file.") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not a UTF-8 text file.") from exc
        except OSError as exc:
            raise CommandError(f"{file}: cannot read ({exc.strerror}).") from exc
        try:
            rows = statutory_rows_parse(text, year=year)
            statutory_year_replace(year=year, rows=rows, source=source)
        except DomainError as exc:
            raise CommandError(
                f"{file}: {exc.message_zh} / {exc.message_en} Nothing was imported."
            ) from exc
        holidays = sum(1 for row in rows if row.kind == "holiday")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {year}: {holidays} holidays, {len(rows) - holidays} make-up working "
                f"days from {file}."
            )
        )
