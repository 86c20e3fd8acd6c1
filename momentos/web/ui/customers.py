"""Customers: a search by name, email or domain, then one customer's timeline."""

from flask import Blueprint, current_app, render_template, request

from momentos.errors import NotFound
from momentos.web.ui import reads

bp = Blueprint("customers", __name__, url_prefix="/customers")
# Enough to find someone by a fragment of their name; a longer list needs a better query.
SEARCH_LIMIT = 100


@bp.get("")
def search():
    query = request.args.get("q", "").strip()
    found = current_app.config["STORE"].find_customers(query, SEARCH_LIMIT)
    return render_template("ui/customers.html", query=query, customers=found, limit=SEARCH_LIMIT)


@bp.get("/<int:customer_id>")
def timeline(customer_id: int):
    config = current_app.config
    data = reads.timeline(config["STORE"], config["SETTINGS"], customer_id)
    if data is None:
        raise NotFound(f"No customer with id {customer_id}")
    return render_template("ui/customer.html", data=data)
