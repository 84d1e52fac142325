"""Extension objects, created unbound and initialised by the app factory."""

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()
mail = Mail()  # sends only when MAIL_SERVER is set (app.notifications.mailing)
