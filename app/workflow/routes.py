"""URL rules of the workflow."""

from flask import Blueprint

bp = Blueprint("workflow", __name__, template_folder="templates")
