"""The public roadmap: what is coming (now, next, later) and what shipped lately."""

from flask import g, request

from portal import access
from portal.db import db
from portal.roadmap import queries
from portal.web.public import findable
from portal.web.public.views import bp
from portal.web.render import render
from portal.web.row_urls import row_url


@bp.get("/roadmap")
def roadmap():
    slug = request.args.get("board") or None
    board = access.get_visible_board_or_404(db.session, g.viewer, slug) if slug else None
    columns = queries.list_roadmap(db.session, g.viewer, board_id=board.id if board else None)
    # Each card's link, built here: a call from the template costs more than the link.
    card_urls = {
        card.id: row_url("public.idea_show", idea_id=card.id, slug=card.slug)
        for column in columns
        for card in column.cards
    }
    return render(
        "public/roadmap/show.html",
        columns=columns,
        card_urls=card_urls,
        board=board,
        boards=queries.list_board_choices(db.session, g.viewer),
        meta=findable.roadmap_meta(),
    )
