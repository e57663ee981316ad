"""Flask extensions, created unbound and initialised in ``create_app``."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from app.route_limits import RouteLimiter

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


# Only the routes that need a limit (sign-in, sign-up) pay for a check.
limiter = RouteLimiter()
