import re

from babel.numbers import get_currency_name
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from portal.ideas.models import Channel, Grade, Kind, Severity, TagColour
from portal.lifecycle.stages import HORIZON_LABEL, Horizon
from portal.roles import Role
from portal.settings.service import (
    CURRENCIES,
    MAX_CLOSE_DAYS,
    MAX_MIN_ANSWERS,
    SIGNUP_RULE_LABEL,
    AutoClose,
    PortalAccess,
    SignupRule,
    valid_time_zone,
)
from portal.web.inputs import Form, VerbatimTextAreaField, id_in_range

MAX_ARR = 10**15
# A host name as email uses it: dot-separated labels of at most 63 characters, 253 in all.
DOMAIN = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")

CHANNEL_LABELS = {
    Channel.portal: _l("Portal"),
    Channel.email: _l("Email"),
    Channel.api: _l("API"),
    Channel.lost_deal: _l("Lost deal"),
    Channel.churn: _l("Churn"),
    Channel.nps: _l("NPS comment"),
    Channel.support: _l("Support ticket"),
    Channel.internal: _l("Internal"),
    Channel.strategy: _l("Strategy goal"),
}


class MoveForm(Form):
    target = SelectField(_l("Move to"), validators=[DataRequired()])
    public_message = TextAreaField(
        _l("Public message"),
        validators=[Length(max=2000)],
        description=_l("Followers read this. Required when declining or moving backwards."),
    )
    internal_note = TextAreaField(_l("Internal note"), validators=[Length(max=2000)])
    horizon = SelectField(
        _l("Horizon"),
        default="",
        choices=[("", "—")] + [(h.value, label) for h, label in HORIZON_LABEL.items()],
    )
    target_date = DateField(_l("Target date"), validators=[Optional()])
    # Merging: the idea is picked from suggestions (merge_into), or typed (its words or #number).
    merge_into = IntegerField(_l("Merge into idea #"), validators=[Optional(), id_in_range()])
    merge_q = StringField(
        _l("Merge into"),
        validators=[Optional(), Length(max=200)],
        description=_l("For a merge: type the other idea's words or #number, then pick it."),
    )

    def horizon_value(self):
        return Horizon(self.horizon.data) if self.horizon.data else None


class BulkMoveForm(Form):
    target = SelectField(_l("Move selected to"), validators=[DataRequired()])
    public_message = StringField(_l("Public message"), validators=[Length(max=2000)])
    horizon = SelectField(
        _l("Horizon"),
        default="",
        choices=[("", "—")] + [(h.value, label) for h, label in HORIZON_LABEL.items()],
    )


class EnrichForm(Form):
    board_id = SelectField(_l("Board"), coerce=int)
    kind = SelectField(
        _l("Kind"), choices=[(Kind.feature.value, _l("Feature")), (Kind.bug.value, _l("Bug"))]
    )
    severity = SelectField(
        _l("Severity (bugs)"),
        default="",
        choices=[("", "—")] + [(s.value, s.value.upper()) for s in Severity],
    )
    owner_id = SelectField(_l("Owner"), coerce=lambda v: int(v) if v else None)
    tags = StringField(
        _l("Module tags"),
        validators=[Length(max=300)],
        description=_l("Comma-separated, e.g. Reporting, Export"),
    )


class NoteForm(Form):
    body = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=5000)])


class GradeForm(Form):
    grade = SelectField(
        _l("Grade"),
        default="",
        choices=[("", _l("Computed"))] + [(g.value, g.value) for g in Grade],
    )
    reason = StringField(_l("Why"), validators=[Length(max=500)])


class FeedbackForm(Form):
    email = EmailField(
        _l("Customer's email"),
        validators=[DataRequired(), Email(_l("Enter a valid email address.")), Length(max=255)],
    )
    name = StringField(_l("Customer's name"), validators=[Length(max=80)])
    organisation_id = SelectField(
        _l("Organisation"), coerce=lambda v: int(v) if v else None, validators=[Optional()]
    )
    new_organisation = StringField(_l("…or a new organisation"), validators=[Length(max=120)])
    channel = SelectField(
        _l("Channel"), choices=[(c.value, label) for c, label in CHANNEL_LABELS.items()]
    )
    original_words = VerbatimTextAreaField(
        _l("The customer's original words"),
        validators=[DataRequired(_l("Paste the customer's own words.")), Length(max=20000)],
        description=_l("Verbatim: they are kept exactly as entered."),
    )
    source_reference = StringField(
        _l("Reference (ticket, deal or call)"), validators=[Length(max=255)]
    )


class LinkFeedbackForm(Form):
    """The idea is picked from suggestions (idea_id), or typed: "#42", "42" or its words."""

    idea_id = IntegerField(_l("Idea #"), validators=[Optional(), id_in_range()])
    q = StringField(_l("Idea"), validators=[Optional(), Length(max=200)])


class NewIdeaFromFeedbackForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=6, max=160)])
    board_id = SelectField(_l("Board"), coerce=int)
    kind = SelectField(
        _l("Kind"), choices=[(Kind.feature.value, _l("Feature")), (Kind.bug.value, _l("Bug"))]
    )


class OrganisationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    domains = StringField(
        _l("Email domains"),
        validators=[Length(max=500)],
        description=_l("Comma-separated; people signing up with these join automatically."),
    )
    tier = SelectField(_l("Tier"), choices=[("standard", _l("Standard")), ("key", _l("Key"))])
    arr = IntegerField(
        _l("Annual revenue (ARR)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_ARR, message=_l("Enter an amount from 0 to 10¹⁵.")),
        ],
    )
    industry = StringField(_l("Industry"), validators=[Length(max=80)])

    def validate_domains(self, field):
        for domain in (d.strip().lower().lstrip("@") for d in (field.data or "").split(",")):
            if domain and not DOMAIN.fullmatch(domain):
                raise ValidationError(_l("“%(domain)s” is not an email domain.", domain=domain))

    region = StringField(_l("Region"), validators=[Length(max=80)])


class FactorForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    weight = FloatField(_l("Weight"), validators=[DataRequired(), NumberRange(min=0, max=100)])
    scale_max = IntegerField(_l("Scale (0 to …)"), validators=[DataRequired(), NumberRange(1, 100)])
    direction = SelectField(
        _l("Direction"), choices=[("benefit", _l("Benefit")), ("cost", _l("Cost"))]
    )
    is_urgency = BooleanField(_l("This is the urgency factor"))
    is_active = BooleanField(_l("Active"), default=True)


class RoadmapPlaceForm(Form):
    horizon = SelectField(
        _l("Horizon"),
        choices=[(h.value, label) for h, label in HORIZON_LABEL.items()],
        validators=[DataRequired()],
    )
    target_date = DateField(_l("Target date"), validators=[Optional()])

    def horizon_value(self) -> Horizon:
        return Horizon(self.horizon.data)


class RoadmapMoveForm(Form):
    direction = SelectField(choices=[("up", _l("Up")), ("down", _l("Down"))])


VISIBILITY_LABELS = {
    "public": _l("Everyone"),
    "customers": _l("Signed-in customers"),
    "organisations": _l("Chosen organisations"),
    "internal": _l("Staff only"),
}


class AudienceForm(Form):
    """Who may see something: a visibility level, and for `organisations`, which ones (the
    choices are set by the view from organisation_choices())."""

    visibility = SelectField(
        _l("Who may see it"),
        choices=[
            ("public", _l("Everyone")),
            ("customers", _l("Signed-in customers")),
            ("organisations", _l("Chosen organisations")),
            ("internal", _l("Staff only")),
        ],
    )
    organisations = SelectMultipleField(
        _l("Organisations"),
        coerce=int,
        description=_l("For “Chosen organisations”: hold Ctrl (⌘ on a Mac) to choose several."),
    )

    def validate_organisations(self, field) -> None:
        if self.visibility.data == "organisations" and not field.data:
            raise ValidationError(_l("Choose at least one organisation."))


class IdeaVisibilityForm(AudienceForm):
    visibility = SelectField(
        _l("Who may see it"),
        choices=[
            ("", _l("As its board")),
            ("public", _l("Everyone")),
            ("customers", _l("Signed-in customers")),
            ("organisations", _l("Chosen organisations")),
            ("internal", _l("Staff only")),
        ],
        description=_l("It can narrow its board's visibility, never widen it."),
    )


class ReleaseNoteForm(AudienceForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=3, max=160)])
    category = SelectField(
        _l("Category"),
        choices=[("new", _l("New")), ("improved", _l("Improved")), ("fixed", _l("Fixed"))],
    )
    why_it_matters = StringField(
        _l("Why it matters (optional)"),
        validators=[Length(max=300)],
        description=_l("One line for the customer: what they can do now."),
    )
    body = TextAreaField(
        _l("Release note"),
        validators=[Length(max=20000)],
        description=_l("Markdown works."),
    )
    ideas = StringField(
        _l("Ideas it delivers"),
        validators=[Length(max=500)],
        description=_l("Their numbers, e.g. #12, #40"),
    )
    publish = SelectField(
        _l("Publish"),
        choices=[
            ("draft", _l("Keep as a draft")),
            ("now", _l("Publish now")),
            ("later", _l("Publish at…")),
        ],
    )
    publish_at = DateTimeLocalField(_l("Publish at (UTC)"), validators=[Optional()])

    def idea_ids(self) -> list[int]:
        numbers = re.findall(r"\d+", self.ideas.data or "")
        return sorted({int(n) for n in numbers if len(n) < 10})

    def validate(self, extra_validators=None) -> bool:
        # Here, not as a field validator: Optional() ends a blank field's checks before any
        # field validator could ask for the date that "publish at…" needs.
        valid = super().validate(extra_validators)
        if self.publish.data == "later" and self.publish_at.data is None:
            self.publish_at.errors = [*self.publish_at.errors, _l("Choose when to publish it.")]
            return False
        return valid


def _whole_number(minimum: int, maximum: int) -> list:
    message = _l("Use a whole number from %(min)d to %(max)d.", min=minimum, max=maximum)
    return [InputRequired(message=message), NumberRange(minimum, maximum, message=message)]


class AutoCloseForm(Form):
    """Close a released idea after N days when at least M% of answers say yes."""

    enabled = BooleanField(_l("Close released ideas automatically"))
    days = IntegerField(
        _l("after (days in “Released”)"), validators=_whole_number(1, MAX_CLOSE_DAYS)
    )
    percent = IntegerField(
        _l("when at least this share of answers say yes (percent)"),
        validators=_whole_number(1, 100),
    )
    min_answers = IntegerField(
        _l("and at least (answers)"), validators=_whole_number(1, MAX_MIN_ANSWERS)
    )

    def auto_close(self) -> AutoClose:
        return AutoClose(
            enabled=bool(self.enabled.data),
            days=self.days.data,
            percent=self.percent.data,
            min_answers=self.min_answers.data,
        )


ROLE_LABELS = {
    Role.customer: _l("Customer"),
    Role.staff: _l("Staff"),
    Role.admin: _l("Admin"),
}


class InviteForm(Form):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(_l("Enter a valid email address.")), Length(max=255)],
    )
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=80)])
    role = SelectField(
        _l("Role"),
        default=Role.staff.value,
        choices=[(r.value, ROLE_LABELS[r]) for r in (Role.staff, Role.admin, Role.customer)],
    )
    # Choices set by the view: "" (none) and the organisations.
    organisation_id = SelectField(
        _l("Organisation (optional)"),
        coerce=lambda v: int(v) if v else None,
        validators=[Optional()],
        description=_l("For a customer: the account joins this organisation."),
    )


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])


class BlockForm(Form):
    reason = StringField(
        _l("Reason (optional)"),
        validators=[Length(max=500)],
        description=_l("Kept in the audit log; the person is not told."),
    )


class CurrencyForm(Form):
    """The currency organisations' ARR is kept in, named in the viewer's language."""

    currency = SelectField(_l("Currency of ARR amounts"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = str(get_locale())
        self.currency.choices = [
            (code, f"{code} · {get_currency_name(code, locale=language)}") for code in CURRENCIES
        ]


class AccessForm(Form):
    """Whether the portal needs sign-in, and who may sign up."""

    is_private = BooleanField(_l("Private portal: only signed-in people see anything"))
    signup = RadioField(
        _l("Who may sign up"),
        choices=[(rule.value, label) for rule, label in SIGNUP_RULE_LABEL.items()],
        validators=[DataRequired(message=_l("Choose who may sign up."))],
    )

    def access(self) -> PortalAccess:
        return PortalAccess(is_private=self.is_private.data, signup=SignupRule(self.signup.data))


class TimeZoneForm(Form):
    """The zone every date and time is shown in: an IANA name, checked with zoneinfo."""

    time_zone = StringField(
        _l("Time zone"),
        validators=[DataRequired(), Length(max=60)],
        description=_l(
            "An IANA name such as Europe/Paris or Asia/Shanghai. Every page and email shows "
            "dates and times in it."
        ),
        render_kw={"list": "time-zone-names", "autocomplete": "off", "spellcheck": "false"},
    )

    def validate_time_zone(self, field):
        if not valid_time_zone(field.data):
            raise ValidationError(_l("Choose a time zone from the list, such as Europe/Paris."))


class IdeaTextForm(Form):
    """Staff change an idea's title and body (the previous text is kept in its history)."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give your idea a title.")),
            Length(min=6, max=160, message=_l("Use 6 to 160 characters.")),
        ],
    )
    body = TextAreaField(
        _l("Details"),
        validators=[Length(max=10000, message=_l("Keep it under 10,000 characters."))],
    )


class DeleteIdeaForm(Form):
    """Staff delete an idea as spam, saying why (the audit log keeps it)."""

    reason = StringField(
        _l("Why delete it"),
        validators=[
            DataRequired(_l("Say why it is deleted.")),
            Length(max=500, message=_l("Keep it under 500 characters.")),
        ],
    )


TAG_COLOUR_LABELS = {
    TagColour.grey: _l("Grey"),
    TagColour.red: _l("Red"),
    TagColour.orange: _l("Orange"),
    TagColour.yellow: _l("Yellow"),
    TagColour.green: _l("Green"),
    TagColour.teal: _l("Teal"),
    TagColour.blue: _l("Blue"),
    TagColour.purple: _l("Purple"),
    TagColour.pink: _l("Pink"),
}


class TagForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)])
    colour = SelectField(
        _l("Colour"),
        default=TagColour.grey.value,
        choices=[(colour.value, label) for colour, label in TAG_COLOUR_LABELS.items()],
    )
    is_private = BooleanField(
        _l("Private"), description=_l("Staff only: never shown to customers.")
    )


class MergeTagForm(Form):
    target_id = SelectField(_l("Merge into"), coerce=int, validators=[InputRequired()])


class TagDeleteForm(Form):
    """A button that confirms what the page above it describes: a post without it does
    nothing."""

    confirm = HiddenField(validators=[AnyOf(["yes"])])


class BrandingForm(Form):
    """The portal's name, logo, accent colour and welcome text (admins)."""

    name = StringField(
        _l("Portal name"),
        validators=[
            DataRequired(_l("Give the portal a name.")),
            Length(max=60, message=_l("Use at most 60 characters.")),
        ],
        description=_l("Shown in the header, in page titles and as the sender of emails."),
    )
    logo = FileField(
        _l("Logo"), description=_l("PNG, JPEG, GIF or WebP, at most 5 MB; shown in the header.")
    )
    remove_logo = BooleanField(_l("Remove the logo"))
    accent = StringField(
        _l("Accent colour"),
        validators=[
            Optional(),
            Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use # and six hexadecimal digits.")),
        ],
        description=_l("For buttons and highlights, like #3b5bdb. Empty keeps the default."),
    )
    welcome = TextAreaField(
        _l("Welcome text"),
        validators=[Length(max=5000, message=_l("Keep it under 5,000 characters."))],
        description=_l("Shown on the home page. Markdown works."),
    )
