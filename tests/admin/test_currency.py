"""ARR shows its currency: a workspace setting, written as the viewer's language writes money."""

from portal.accounts.models import Role, Tier
from portal.ideas.service import cast_vote
from portal.priority.service import refresh_score
from portal.settings.service import get_currency

ENGLISH, CHINESE = {"Accept-Language": "en"}, {"Accept-Language": "zh"}


def _asked_by_a_key_account(make, session):
    organisation = make.organisation("Huali Manufacturing", tier=Tier.key, arr=1_200_000)
    idea = make.idea("Invoices in Simplified Chinese")
    cast_vote(session, idea=idea, voter=make.user(organisation=organisation))
    refresh_score(session, idea)
    session.commit()
    return idea


def test_the_admin_chooses_the_currency_arr_is_shown_in(make, session, client, sign_in):
    idea = _asked_by_a_key_account(make, session)
    sign_in(make.user(role=Role.admin))

    # By default: US dollars, in each language's way of writing them.
    assert "$1.2M" in client.get("/admin/ideas", headers=ENGLISH).text
    assert "US$120万" in client.get("/admin/ideas", headers=CHINESE).text
    assert "$1,200,000" in client.get(f"/admin/ideas/{idea.id}", headers=ENGLISH).text

    settings = client.get("/admin/settings", headers=ENGLISH).text
    assert 'name="currency"' in settings and "EUR · Euro" in settings
    assert "EUR · 欧元" in client.get("/admin/settings", headers=CHINESE).text
    assert client.post("/admin/settings/currency", data={"currency": "EUR"}).status_code == 302
    assert get_currency(session) == "EUR"

    ideas_list = client.get("/admin/ideas", headers=ENGLISH).text
    assert "€1.2M" in ideas_list and "$1.2M" not in ideas_list
    assert "€120万" in client.get("/admin/ideas", headers=CHINESE).text
    card = client.get(f"/admin/ideas/{idea.id}", headers=ENGLISH).text
    assert "€1,200,000" in card and "1 organisations, ARR €1,200,000, 1 key accounts" in card
    chinese_card = client.get(f"/admin/ideas/{idea.id}", headers=CHINESE).text
    assert "1 个组织，ARR €1,200,000，1 个重点客户" in chinese_card
    organisations = client.get("/admin/organisations", headers=CHINESE).text
    assert "€1,200,000" in organisations
    assert "In EUR, whole units." in client.get("/admin/organisations/new", headers=ENGLISH).text

    assert client.post("/admin/settings/currency", data={"currency": "JPY"}).status_code == 302
    assert "¥1,200,000" in client.get("/admin/organisations", headers=ENGLISH).text
    assert "JP¥120万" in client.get("/admin/ideas", headers=CHINESE).text


def test_only_a_listed_currency_is_accepted_and_only_from_an_admin(make, session, client, sign_in):
    sign_in(make.user(role=Role.admin))
    for hostile in ("XYZ", "", "usd", "€" * 5000):
        response = client.post("/admin/settings/currency", data={"currency": hostile})
        assert response.status_code == 422, hostile
        assert 'aria-invalid="true"' in response.text.split('id="currency-heading"')[1]
    assert client.post("/admin/settings/currency", data={"currency": "EUR\x00"}).status_code == 400
    assert get_currency(session) == "USD"

    sign_in(make.user(role=Role.staff))
    assert client.post("/admin/settings/currency", data={"currency": "GBP"}).status_code == 403
    assert get_currency(session) == "USD"
    page = client.get("/admin/settings").text
    assert 'name="currency"' in page and "disabled" in page.split('id="currency-heading"')[1]
