"""Turn an outbox row into an email: subject, plain text and HTML, in the recipient's language.

`templates/email/<kind>.txt` holds the `subject` and `body` blocks. The HTML part is the same
words laid out by `templates/email/layout.html` (links made clickable), so the two never disagree.
"""

from __future__ import annotations

import email.policy
import re
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from jinja2_fragments import render_block
from markupsafe import Markup, escape

from portal.settings.service import Branding

_URL = re.compile(r"https?://[^\s<>\"]+")
# Lines up to RFC 5322's hard limit: a List-Unsubscribe URL longer than the usual 78 columns
# would otherwise be RFC 2047-encoded, which no mail client reads as a URL (RFC 2369).
MESSAGE_POLICY = email.policy.SMTP.clone(max_line_length=998)


def compose(
    kind: str, language: str, context: dict, branding: Branding | None = None
) -> EmailMessage:
    """The message without its envelope headers (From, To, Message-ID, Date), in the portal's
    name (`portal_name` in every template, and the signature) and with its logo in the HTML."""
    template = f"email/{kind}.txt"
    branding = branding or Branding()
    context = {**context, "portal_name": branding.name}
    with force_locale(language):
        environment = current_app.jinja_env
        subject = render_block(environment, template, "subject", **context).strip()
        body = render_block(environment, template, "body", **context).strip()
        body = f"{body}\n\n-- \n{branding.name}\n"
        # The layout needs only these three: rendered straight from the environment, without
        # the page context processors render_template would run for every message.
        html = environment.get_template("email/layout.html").render(
            subject=subject,
            paragraphs=[_paragraph_html(p) for p in re.split(r"\n\s*\n", body.strip())],
            language=language,
            portal_name=branding.name,
            logo_url=logo_url(branding),
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


def logo_url(branding: Branding) -> str | None:
    """The logo's public address, for the HTML part (None without a logo)."""
    if branding.logo is None:
        return None
    return f"{current_app.config['BASE_URL']}/branding/logo/{branding.logo.key}"


def sender(branding: Branding | None) -> str | Address:
    """MAIL_FROM's address, under the portal's name once an admin has chosen one."""
    configured = current_app.config["MAIL_FROM"]
    if branding is None or not branding.is_custom_name:
        return configured
    address = parseaddr(configured)[1]
    try:
        return Address(display_name=branding.name, addr_spec=address)
    except (ValueError, IndexError, HeaderParseError):
        return configured


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
