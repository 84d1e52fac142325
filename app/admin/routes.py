from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")


@bp.get("/users")
def users():
    return "todo"


@bp.get("/reference")
def reference_index():
    return "todo"
