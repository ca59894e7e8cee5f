"""/api/v1/organisations: the directory. Every signed-in user reads it (the directory is public
inside the government); administrators change it, as they do users."""

from __future__ import annotations

from flask_login import current_user

from ecabinet.api import ApiBlueprint as Blueprint
from ecabinet.api import paged
from ecabinet.database import unit_of_work
from ecabinet.identity.access import login_required, roles_required
from ecabinet.identity.models import Role
from ecabinet.identity.schemas import OrganisationSchema
from ecabinet.organisations import services
from ecabinet.organisations.schemas import (
    OrganisationCreateSchema,
    OrganisationQuerySchema,
    OrganisationUpdateSchema,
)

blp = Blueprint("organisations_api", __name__, url_prefix="/api/v1",
                description="The organisations directory: identifiers and symbol codes")


@blp.route("/organisations")
@login_required
@blp.arguments(OrganisationQuerySchema, location="query")
@blp.page_response(OrganisationSchema(many=True))
def list_organisations(query, pagination_parameters):
    """The directory by name; ``q`` finds a part of the name, the code or the identifier."""
    return paged(services.directory_query(query["q"], active=query["active"]),
                 pagination_parameters)


@blp.route("/organisations/<int:organisation_id>")
@login_required
@blp.response(200, OrganisationSchema)
def get_organisation(organisation_id: int):
    return services.get(organisation_id)


@blp.route("/organisations", methods=["POST"])
@roles_required(Role.ADMIN)
@blp.arguments(OrganisationCreateSchema)
@blp.response(201, OrganisationSchema)
@blp.alt_response(409)
def create_organisation(body):
    """Add an organisation (administrators); its identifier, code and name are its own."""
    with unit_of_work():
        return services.create(actor=current_user, **body)


@blp.route("/organisations/<int:organisation_id>", methods=["PATCH"])
@roles_required(Role.ADMIN)
@blp.arguments(OrganisationUpdateSchema)
@blp.response(200, OrganisationSchema)
@blp.alt_response(409)
def update_organisation(body, organisation_id: int):
    """Change an organisation (administrators); an identifier or code is never removed."""
    organisation = services.get(organisation_id)
    with unit_of_work():
        return services.update(organisation, actor=current_user, **body)
