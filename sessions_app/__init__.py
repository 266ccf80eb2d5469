"""Old migrations only: see apps.py."""
