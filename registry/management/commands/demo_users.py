from django.core.management.base import BaseCommand

from registry.demo.accounts import DEMO_USERS, demo_users_ensure


class Command(BaseCommand):
    help = "Create one demo login per role (clinician, researcher, admin) and print passwords."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="give existing demo logins new passwords"
        )

    def handle(self, *args, reset: bool, **options):
        created = demo_users_ensure(reset=reset)
        if not created:
            self.stdout.write(
                "Demo logins already exist: " + ", ".join(DEMO_USERS) + ". Their passwords were "
                "printed when they were created; `python manage.py demo_users --reset` "
                "prints new ones."
            )
            return
        self.stdout.write(self.style.WARNING("Demo logins (shown once, keep them):"))
        for username, password in created.items():
            self.stdout.write(f"  {username:<16} {DEMO_USERS[username].label:<14} {password}")
