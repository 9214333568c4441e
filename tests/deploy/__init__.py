"""The deployment kit in deploy/: gunicorn, nginx, systemd and the environment file."""
