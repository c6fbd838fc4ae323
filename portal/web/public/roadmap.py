"""The public roadmap: what is coming (now, next, later) and what shipped lately."""

from flask import g, request

from portal import access
from portal.db import db
from portal.roadmap import queries
from portal.web.public import findable
from portal.web.public.views import bp
from portal.web.render import render


@bp.get("/roadmap")
def roadmap():
    slug = request.args.get("board") or None
    board = access.get_visible_board_or_404(db.session, g.viewer, slug) if slug else None
    columns = queries.list_roadmap(db.session, g.viewer, board_id=board.id if board else None)
    return render(
        "public/roadmap/show.html",
        columns=columns,
        board=board,
        boards=queries.list_board_choices(db.session, g.viewer),
        meta=findable.roadmap_meta(),
    )
