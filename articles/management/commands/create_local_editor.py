import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "For local development only: create (or reset) a superuser named “editor” with a "
        "freshly generated password, printed once, so you can log into /admin/. Refuses "
        "to run unless DEBUG is on or --local is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--local",
            action="store_true",
            help="Confirm this database is a local one even though DEBUG is off.",
        )
        parser.add_argument("--username", default="editor", help="Default: editor.")
        parser.add_argument(
            "--site-url",
            default="http://127.0.0.1:8000/",
            help="The local site's address, printed with the login. Default: %(default)s.",
        )

    def handle(self, *args, local=False, username="editor", site_url="", verbosity=1, **options):
        if not (settings.DEBUG or local):
            raise CommandError(
                "create_local_editor is for local development: it runs only with DEBUG on "
                "or with --local. On a shared site use `manage.py createsuperuser`."
            )
        password = secrets.token_urlsafe(18)
        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = True
            user.is_active = True
            user.set_password(password)
            user.save()
        self._reset_lockout(username)
        action = "Created" if created else "Reset the password of"
        site_url = (site_url or "http://127.0.0.1:8000/").rstrip("/") + "/"
        # The login comes last, so that it is the last thing printed before
        # the server's own lines (make serve starts the server right after).
        self.stdout.write(
            self.style.SUCCESS(f"{action} the local superuser “{username}”.")
            + " The password is shown once and stored nowhere; `make password` makes a new one."
        )
        self.stdout.write(f"site:     {site_url}")
        self.stdout.write(f"admin:    {site_url}admin/")
        self.stdout.write(f"username: {username}")
        self.stdout.write(f"password: {password}")

    def _reset_lockout(self, username):
        # A newcomer who mistyped the old password five times is locked out by axes.
        from axes.utils import reset

        reset(username=username)
