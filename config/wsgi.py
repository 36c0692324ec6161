import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Serving requests: the database connections get the web limits (config/database.py).
os.environ.setdefault("DJANGO_WEB_PROCESS", "1")

application = get_wsgi_application()
