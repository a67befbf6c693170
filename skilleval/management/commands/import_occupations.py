from django.core.management.base import BaseCommand, CommandError

from skilleval.imports import error_line
from skilleval.occupation_import import (
    STARTER_CSV,
    OccupationImportError,
    import_occupations,
    read_rows,
)


class Command(BaseCommand):
    help = (
        "从 .xlsx/.csv 导入职业目录（全部校验通过才写入）/ "
        "Import the occupation catalogue from an .xlsx or .csv file (all rows or none)"
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("file", nargs="?", help="职业目录文件 / catalogue file (.xlsx, .csv)")
        source.add_argument(
            "--starter",
            action="store_true",
            help="导入随附的常用职业清单 / load the bundled starter list",
        )

    def handle(self, *args, file=None, starter=False, **options):
        path = STARTER_CSV if starter else file
        try:
            summary = import_occupations(read_rows(path, str(path)))
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件 / File not found: {path}") from exc
        except OccupationImportError as exc:
            # Print every error, not just the first 20 the job message keeps.
            for err in exc.errors:
                self.stderr.write(error_line(err))
            raise CommandError(
                f"导入被拒绝，共 {len(exc.errors)} 处错误，未做任何修改 / "
                f"Import refused: {len(exc.errors)} error(s), nothing was changed"
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                "新增 {created}，更新 {updated}，未变 {unchanged}，共 {total} / "
                "created {created}, updated {updated}, unchanged {unchanged}, "
                "total {total}".format(**summary)
            )
        )
