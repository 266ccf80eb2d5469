from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The front end that spans apps: the front door, the landing per role, the organisers' event console.

    It may read every app's selectors and call their services; no app imports it.
    """

    name = "console"
    verbose_name = "Konsol"
