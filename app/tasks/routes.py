"""URL rules of the tasks package."""

from flask import Blueprint

bp = Blueprint("tasks", __name__, template_folder="templates")
