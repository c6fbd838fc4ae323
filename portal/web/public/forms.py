from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from portal.ideas.models import Kind
from portal.web.inputs import Form


class IdeaForm(Form):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give your idea a title.")),
            Length(min=6, max=160, message=_l("Use 6 to 160 characters.")),
        ],
        description=_l("One sentence: what do you need?"),
    )
    body = TextAreaField(
        _l("Details"),
        validators=[Length(max=10000, message=_l("Keep it under 10,000 characters."))],
        description=_l("Why it matters to you, how you work today. Markdown works."),
    )
    kind = RadioField(
        _l("Kind"),
        choices=[(Kind.feature.value, _l("Feature request")), (Kind.bug.value, _l("Bug report"))],
        default=Kind.feature.value,
        validators=[DataRequired()],
    )


class CommentForm(Form):
    body = TextAreaField(
        _l("Comment"),
        validators=[
            DataRequired(_l("Write something first.")),
            Length(max=5000, message=_l("Keep it under 5,000 characters.")),
        ],
    )


class ChoiceForm(Form):
    """A button that states the wanted end state, so a double click cannot undo itself."""

    action = HiddenField(validators=[AnyOf(["on", "off"])])
