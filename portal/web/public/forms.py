from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Email, Length, ValidationError

from portal.ideas.models import Kind
from portal.subscribers.service import LIST_LABEL, SubscriberList
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
    screenshots = MultipleFileField(
        _l("Screenshots"),
        description=_l("Up to 5 images (PNG, JPEG, GIF or WebP), 5 MB each."),
    )


class IdeaEditForm(Form):
    """An idea's title and body, as the author or staff change them (the kind stays)."""

    title = IdeaForm.title
    body = IdeaForm.body


class ConfirmForm(Form):
    """A button that only needs its CSRF token (delete a comment, restore an idea)."""


class CommentForm(Form):
    body = TextAreaField(
        _l("Comment"),
        validators=[
            DataRequired(_l("Write something first.")),
            Length(max=5000, message=_l("Keep it under 5,000 characters.")),
        ],
    )
    screenshots = IdeaForm.screenshots


class ChoiceForm(Form):
    """A button that states the wanted end state, so a double click cannot undo itself."""

    action = HiddenField(validators=[AnyOf(["on", "off"])])


class SubscribeForm(Form):
    """An address and the lists it wants: at least one. Addresses are plain ASCII, as every
    mail server on the way accepts them."""

    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("Enter a valid email address.")),
            Email(_l("Enter a valid email address."), allow_smtputf8=False),
        ],
    )
    changelog = BooleanField(LIST_LABEL[SubscriberList.changelog])
    roadmap = BooleanField(LIST_LABEL[SubscriberList.roadmap])

    def validate_email(self, field) -> None:
        if not field.data.isascii():
            raise ValidationError(_l("Enter a valid email address."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.changelog.data or self.roadmap.data):
            self.form_errors.append(_l("Choose at least one kind of update."))
            return False
        return valid


class ConfirmSubscriptionForm(Form):
    """The "Confirm" button of a confirmation link: a POST with the session's CSRF token."""
