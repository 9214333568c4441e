"""The mental-health services registry (心理健康服务机构与人员登记平台)."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from registry import http_cache
from registry.config import load_settings
from registry.extensions import babel, csrf, db, limiter, login_manager, migrate, talisman
from registry.query import BoundedIntegerConverter

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")
# Everything from this site, no inline script or style: pages work without any exception.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides settings read from the environment.

    Nothing here touches the database or the search index: start-up stays cheap.
    """
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.config.update(load_settings(config))
    http_cache.install(app)  # first: its after-request hook then runs last
    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXY_HOPS`` reverse proxies, take the client's address, scheme, host
    and path prefix from their ``X-Forwarded-*`` headers (Werkzeug's ``ProxyFix``), so
    per-address limits count each client apart and absolute URLs are the public ones. With 0
    (the default) the headers are ignored: a client cannot forge its address."""
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)


def select_locale() -> str:
    """``?lang=`` first, then the ``lang`` cookie, then Chinese (the default)."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for candidate in (request.args.get("lang"), request.cookies.get("lang")):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register_extensions(app: Flask) -> None:
    """Bind the extensions to ``app``."""
    import registry.models  # noqa: F401  (the whole schema, for Alembic and relationships)

    db.init_app(app)
    from registry.search.hooks import install as install_search_hooks

    install_search_hooks()  # outbox rows for every flushed change to an indexed record
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    from registry.public.layout import parsed_locale

    # A parsed Locale, remembered: Flask-Babel would parse the code again on every request.
    babel.init_app(app, locale_selector=lambda: parsed_locale(select_locale()))
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
    )

    from flask import session

    from registry.auth.models import User
    from registry.auth.sessions import forget, session_is_live

    @login_manager.user_loader
    def load_user(session_id: str):
        """The account of a live server-side session (registry/auth/sessions.py), else None:
        a cookie copied before logout, revocation or expiry opens nothing."""
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version) \
                or not session_is_live(session, user.id):
            forget(session)
            return None
        return user


def register_blueprints(app: Flask) -> None:
    """Mount the domain blueprints."""
    from registry.api.docs import bp as api_docs_bp
    from registry.api.views import bp as api_bp
    import registry.imports.api  # noqa: F401  (its writes join the API blueprint)
    import registry.sanctions.api  # noqa: F401  (likewise)
    from registry.audit.views import bp as audit_bp
    from registry.auth.views import bp as auth_bp
    from registry.complaints.views import bp as complaints_bp
    from registry.evaluation.views import bp as evaluation_bp
    from registry.dashboard.views import bp as dashboard_bp
    from registry.disclosure.views import bp as disclosure_bp
    from registry.imports.views import bp as imports_bp
    from registry.orgs.views import bp as orgs_bp
    from registry.practitioners.views import bp as practitioners_bp
    from registry.practitioners.views import certificates_bp
    from registry.public.views import bp as public_bp
    from registry.sanctions.views import bp as sanctions_bp
    from registry.search import api as search_api  # noqa: F401 (its routes join api_bp)
    from registry.search.views import bp as search_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(practitioners_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(evaluation_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(sanctions_bp)
    app.register_blueprint(complaints_bp)
    app.register_blueprint(disclosure_bp)
    app.register_blueprint(api_docs_bp)
    app.register_blueprint(search_bp)
    from registry.health import register as register_health

    register_health(app)  # GET /healthz for load balancers
    # The API authenticates with bearer tokens only (never cookies), so CSRF does not apply.
    csrf.exempt(api_bp)
    from registry.api.auth import refuse_malformed_json
    from registry.input_guard import refuse_unstorable_characters

    app.before_request(refuse_malformed_json)
    app.before_request(refuse_unstorable_characters)  # after the JSON body is known to parse


def register_errorhandlers(app: Flask) -> None:
    """Error pages in the site's style; never a stack trace to a user."""
    from registry.public.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    """``flask regions …``, ``flask demo …``, ``flask users …``, ``flask audit …``, ``flask backup …``."""
    from registry.audit.commands import audit_cli
    from registry.backup.commands import backup_cli
    from registry.auth.commands import users_cli
    from registry.demo.commands import demo_cli
    from registry.evaluation.commands import evaluation_cli
    from registry.imports.commands import import_cli
    from registry.practitioners.commands import qualifications_cli
    from registry.regions.commands import regions_cli
    from registry.sanctions.commands import sanctions_cli
    from registry.search.commands import search_cli

    for group in (regions_cli, demo_cli, users_cli, audit_cli, qualifications_cli, import_cli,
                  evaluation_cli, sanctions_cli, search_cli, backup_cli):
        app.cli.add_command(group)


def register_template_helpers(app: Flask) -> None:
    """Vocabulary labels for every template; the language cookie follows ``?lang=``."""
    from registry import vocabulary
    from registry.auth.navigation import workbench_links

    @app.context_processor
    def inject_helpers():
        return {"vocab": vocabulary, "workbench_links": workbench_links}

    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        # Only a change writes the cookie: a page asked in the language already remembered
        # sets none, so a shared cache may keep it (registry/http_cache.py).
        if chosen in app.config["LANGUAGES"] and request.cookies.get("lang") != chosen:
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    logging.getLogger(__name__).debug("registry app created")
