"""The mental-health services registry (心理健康服务机构与人员登记平台)."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, request

from registry.config import load_settings
from registry.extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides settings read from the environment.

    Nothing here touches the database or the search index: start-up stays cheap.
    """
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.update(load_settings(config))
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def select_locale() -> str:
    """``?lang=`` first, then the ``lang`` cookie, then Chinese (the default)."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    for candidate in (request.args.get("lang"), request.cookies.get("lang")):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register_extensions(app: Flask) -> None:
    """Bind the extensions to ``app``."""
    import registry.models  # noqa: F401  (the whole schema, for Alembic and relationships)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from registry.auth.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id))


def register_blueprints(app: Flask) -> None:
    """Mount the domain blueprints."""
    from registry.public.views import bp as public_bp

    app.register_blueprint(public_bp)


def register_errorhandlers(app: Flask) -> None:
    """Error pages in the site's style; never a stack trace to a user."""
    from registry.public.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    """``flask regions …``, ``flask demo …``."""
    from registry.demo.commands import demo_cli
    from registry.regions.commands import regions_cli

    app.cli.add_command(regions_cli)
    app.cli.add_command(demo_cli)


def register_template_helpers(app: Flask) -> None:
    """Vocabulary labels and the locale switch for every template."""
    from flask_babel import get_locale

    from registry import vocabulary

    @app.context_processor
    def inject_helpers():
        return {"vocab": vocabulary, "current_locale": str(get_locale())}

    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"]:
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    logging.getLogger(__name__).debug("registry app created")
