"""URL rules of the screening package."""

from flask import Blueprint

bp = Blueprint("screening", __name__, template_folder="templates")
