"""The ceiling: a bare Flask page listing 20 ideas from the same database with one query.

What the portal's pages are compared with. It does what any page must (open a connection,
query, render a template of similar size, answer), and nothing else: no sessions, no sign-in,
no CSRF, no translations, no visibility rule.
"""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ideas</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><header><nav><a href="/">Feedloop</a></nav></header><main><h1>Ideas</h1>
<ol>{% for idea in ideas %}
<li><article><h2><a href="/ideas/{{ idea.id }}-{{ idea.slug }}">{{ idea.title }}</a></h2>
<p>{{ idea.body[:140] }}</p>
<form method="post" action="/ideas/{{ idea.id }}/vote"><button>▲ {{ idea.vote_count }}</button>
</form><small>{{ idea.comment_count }} comments · {{ idea.stage }}</small></article></li>
{% endfor %}</ol></main></body></html>"""

QUERY = text(
    "SELECT id, slug, title, body, vote_count, comment_count, stage FROM idea "
    "WHERE board_id = :board AND visibility = 'public' "
    "ORDER BY board_id, vote_count DESC LIMIT 20"
)

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])
# Compiled once, as Flask compiles a template file once: render_template_string compiles its
# source on every call, which made this page cost four times what a bare page costs.
template = app.jinja_env.from_string(PAGE)


@app.get("/")
def ideas():
    with engine.connect() as connection:
        rows = connection.execute(QUERY, {"board": 1}).mappings().all()
    return template.render(ideas=rows)
