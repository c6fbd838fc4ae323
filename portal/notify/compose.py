"""Turn an outbox row into an email: subject, plain text and HTML, in the recipient's language.

`templates/email/<kind>.txt` holds the `subject` and `body` blocks. The HTML part is the same
words laid out by `templates/email/layout.html` (links made clickable), so the two never disagree.
"""

from __future__ import annotations

import email.policy
import re
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from jinja2_fragments import render_block
from markupsafe import Markup, escape

_URL = re.compile(r"https?://[^\s<>\"]+")
# Lines up to RFC 5322's hard limit: a List-Unsubscribe URL longer than the usual 78 columns
# would otherwise be RFC 2047-encoded, which no mail client reads as a URL (RFC 2369).
MESSAGE_POLICY = email.policy.SMTP.clone(max_line_length=998)


def compose(kind: str, language: str, context: dict) -> EmailMessage:
    """The message without its envelope headers (From, To, Message-ID, Date)."""
    template = f"email/{kind}.txt"
    with force_locale(language):
        environment = current_app.jinja_env
        subject = render_block(environment, template, "subject", **context).strip()
        body = render_block(environment, template, "body", **context).strip() + "\n"
        # The layout needs only these three: rendered straight from the environment, without
        # the page context processors render_template would run for every message.
        html = environment.get_template("email/layout.html").render(
            subject=subject,
            paragraphs=[_paragraph_html(p) for p in re.split(r"\n\s*\n", body.strip())],
            language=language,
        )
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["Subject"] = " ".join(subject.split())  # one line, whatever the template did
    unsubscribe = context.get("unsubscribe_url")
    if unsubscribe:
        # RFC 8058: mail clients offer an "unsubscribe" button that POSTs to this URL.
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    message.add_alternative(html, subtype="html")
    return message


def _paragraph_html(text: str) -> Markup:
    """Escape, make links clickable, keep line breaks."""
    pieces, last = [], 0
    for match in _URL.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        pieces.append(Markup(f'<a href="{url}">{url}</a>'))
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces).replace("\n", Markup("<br>\n"))
