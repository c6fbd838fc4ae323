from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.notify.models import Topic
from portal.notify.service import TOPIC_LABEL
from portal.subscribers.service import LIST_LABEL, SubscriberList
from portal.verification.models import COMMENT_MAX_LENGTH
from portal.web.inputs import Form

PASSWORD_RULES = [
    DataRequired(),
    Length(min=10, max=256, message=_l("Use at least 10 characters.")),
]


class SignupForm(Form):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=80)])
    email = EmailField(
        _l("Work email"),
        validators=[DataRequired(), Email(_l("Enter a valid email address.")), Length(max=255)],
    )
    password = PasswordField(_l("Password"), validators=PASSWORD_RULES)


class SigninForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Remember me"))


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(_l("Enter a valid email address."))]
    )


class SignInLinkForm(ForgotPasswordForm):
    """The address to email a one-time sign-in link to."""


class SignInCodeForm(Form):
    """The code an emailed sign-in link's message shows, for another browser than the asking one."""

    code = StringField(
        _l("Code from the email"),
        validators=[
            DataRequired(message=_l("Type the 6-digit code from the email.")),
            Length(max=20),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )


class VerifyAgainForm(ForgotPasswordForm):
    """The address that waits for a new verification link."""


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=PASSWORD_RULES)
    confirm = PasswordField(
        _l("Repeat it"),
        validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))],
    )


class ProfileForm(Form):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=80)])
    language = SelectField(_l("Language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _l("Same as my browser"))]
        choices += list(current_app.config["LANGUAGES"].items())
        self.language.choices = choices


CADENCE_CHOICES = [
    ("instant", _l("Right away")),
    ("daily", _l("In a daily digest")),
    ("off", _l("Never")),
]


class NotificationsForm(Form):
    """One choice per topic; the field names are the topics' values, the labels their words."""

    stage_changes = RadioField(TOPIC_LABEL[Topic.stage_changes], choices=CADENCE_CHOICES)
    replies = RadioField(TOPIC_LABEL[Topic.replies], choices=CADENCE_CHOICES)
    comments = RadioField(TOPIC_LABEL[Topic.comments], choices=CADENCE_CHOICES)


class SubscriptionsForm(Form):
    """The mailing lists for the account's own (verified) address."""

    changelog = BooleanField(LIST_LABEL[SubscriberList.changelog])
    roadmap = BooleanField(LIST_LABEL[SubscriberList.roadmap])


class SolvedForm(Form):
    """The answer to "did this solve your need?", sent from the page an emailed link opens."""

    solved = RadioField(
        _l("Did it solve your need?"),
        choices=[("yes", _l("Yes, it did")), ("no", _l("No, not yet"))],
        validators=[DataRequired(message=_l("Choose yes or no."))],
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[
            Length(
                max=COMMENT_MAX_LENGTH,
                message=_l("Keep the comment under %(max)d characters.", max=COMMENT_MAX_LENGTH),
            )
        ],
    )


class AcceptInvitationForm(Form):
    """The invitee's name and password; someone who already has an account may keep theirs."""

    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=10, max=256, message=_l("Use at least 10 characters."))],
    )
    confirm = PasswordField(
        _l("Repeat it"), validators=[EqualTo("password", _l("The two passwords differ."))]
    )
