"""URL rules of the caseload package."""

from flask import Blueprint

bp = Blueprint("caseload", __name__, template_folder="templates")
