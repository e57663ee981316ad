"""Hard cases of the blame and speculation checks, found by writing texts the way a
communications lead would and not the way the rules were written: each kind of agent and
fault, and the texts that look like blame or speculation and are not (people doing their
job, a company owning its mistake, a forecast pinned to a time). They keep the rules
general; tests/comms/test_checks_words.py shows where each finding points."""

from __future__ import annotations

import pytest

from app import accounts
from app.comms.checks import ERROR
from core.db import db
from tests.comms.checkkit import codes, run, texts_of


@pytest.fixture
def people(app, make_user):
    """Two staff members with full names, as the blame check knows them."""
    accounts.create_team(None, "Payments")
    make_user("responder", name="Jordan Smith")
    make_user("responder", name="Priya Natarajan", email="priya@example.com")
    db.session.commit()


def blames(text: str) -> bool:
    return "blame" in codes(run(text, audience="engineering"))


# blame: the agent of a fault ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # A supplier's act that damaged something or handed over something bad.
        "Our broadband supplier cut the line to our head office during roadworks.",
        "Our courier, FastShip, delivered the parcels to the wrong depot.",
        "The outside company that prints our statements sent us incomplete files.",
        "Our fulfilment partner imported the same file twice, so orders were duplicated.",
        "The timetable was wrong because our data partner uploaded last year's timetable.",
        "Card payments stopped after its processor, Paynet, installed an update that its "
        "engineers had not tested.",
        "The telecoms supplier ported our numbers a day early without confirming with us.",
        # Who they are or what they were doing, between the agent and the act.
        "Gas was cut off after a contractor working on the pavement drilled through a pipe.",
        "Our delivery partner's driver left parcels at the wrong addresses.",
        "The airline's ground crew loaded the bags onto the wrong flight.",
        # Teams by their short names.
        "Root cause: IT support pushed an update to every handheld without testing it.",
        "HR ops keyed the overtime rates into the wrong column.",
        "Data eng truncated the products table instead of the staging copy.",
        # The agent after the act: passive, possessive, "by", "due to".
        "The router was misconfigured by a contractor during the upgrade.",
        "The certificate was allowed to expire by our security team.",
        "The problem was caused by the vendor's faulty software update.",
        "The outage was caused by a botched upgrade by our cloud provider.",
        "It was caused by an error on the part of our payment processor.",
        "The failure was due to an error by our payroll provider.",
        "The crash was introduced by the mobile team's release, which they shipped without "
        "QA sign-off.",
        "A contractor's digger cut through the main fibre cable.",
        # Not doing their job.
        "Nobody on the infrastructure team acted on the disk-space alerts for a week.",
        "The cards stopped working because our supplier did not renew the contract.",
        # What the act did next.
        "An engineer pushed the config change to every region, which took every store offline.",
        "A database engineer ran a clean-up job on the live database rather than the copy.",
        # The agent owns up in its own words.
        "Our supplier admitted that it had sent the wrong file.",
        "The network team caused the outage by restarting both routers at once.",
        "Our web agency took the website offline in the middle of the sale.",
        "Our payroll provider miscalculated the overtime for 200 staff.",
        "Vendor confirmed their engineer pushed a firmware build meant for a different model.",
    ],
)
def test_an_agent_of_a_fault_is_blamed(people, text):
    assert blames(text), text


@pytest.mark.parametrize(
    "text",
    [
        # We own our mistakes.
        "We made a mistake in our configuration, and we're sorry.",
        "This was our mistake, not our payment provider's, and we're refunding everyone.",
        "We pushed a faulty configuration at 13:00 and have rolled it back.",
        "We got this wrong, and we're sorry.",
        # Taking a bad thing out, or finding it, is the remedy.
        "Our technicians deleted the corrupted files and restored them from backup.",
        "Engineers replaced the broken switch and the network is back.",
        "An engineer spotted the wrong setting and corrected it.",
        "Engineers took the faulty server offline and traffic is flowing normally.",
        "Our engineers disconnected the faulty unit and service is restored.",
        "The vendor shipped us replacement parts for the broken card readers.",
        "Our engineers looked into the wrong prices and have corrected them.",
        # Planned work and precautions.
        "Our IT team took the website offline at 09:00 for planned maintenance.",
        "Our engineers have taken the payment service offline for 30 minutes to install a "
        "security update.",
        "Payments team shut down the legacy batch job as planned at 02:00.",
        "Staff switched off the lifts as a precaution while engineers checked the wiring.",
        "The water was switched off by our engineers so that they could repair a pipe.",
        "Our engineers cut waiting times on the phone lines by adding staff.",
        "Our team cut over to the new payment system at 02:00.",
        # A supplier's mishap is not its fault.
        "The outage was caused by a power failure at our hosting provider.",
        "The outage was caused by our supplier's failed router.",
        "The courier's sorting hub lost power during the storm.",
        # Kinds of people, machines, and words that only look like faults.
        "Staff who missed the training can book a new session.",
        "Customers who forgot their password can reset it from the login page.",
        "The device driver crashed after the update.",
        "A burst water main on Carr Lane has cut the supply to about 900 homes.",
        "The Identity team has rotated the signing keys and sign-in error rates are dropping.",
        "Bills issued this week show the wrong tariff.",
        "Response times are down to normal thanks to our engineers.",
        "Due to our engineers working overnight, service was restored early.",
    ],
)
def test_people_doing_their_job_and_our_own_mistakes_are_not_blame(people, text):
    assert not blames(text), text


# blame: a member of staff named -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Sign-in failed after Priya Natarajan changed the password policy.", "Priya Natarajan"),
        ("The root cause was a table that Priya Natarajan updated with old figures.", None),
        ("Failures traced to a change that was approved by Priya Natarajan on Friday.", None),
        ("The outage was caused by Jordan Smith's decision to skip the trial run.", None),
        ("The rollout was approved by Jordan Smith without a review.", "Jordan Smith"),
    ],
)
def test_a_member_of_staff_given_as_the_cause_is_named_as_blamed(people, text, name):
    found = texts_of(run(text, audience="engineering"), "blame", text)
    assert found and all(severity == ERROR for severity, _, _ in found), text
    if name:
        assert (ERROR, "page_text", name) in found


@pytest.mark.parametrize(
    "text",
    [
        "Chief technology officer Priya Natarajan said the company would publish a full "
        "account of what went wrong by Friday.",
        "Vice-chancellor Jordan Smith thanked IT staff for working through the night.",
        "Skylark Air's head of operations, Priya Natarajan, is leading the recovery.",
        "Orders have been flowing since the restart at 13:40, as Priya Natarajan confirmed.",
        "According to Priya Natarajan, all services are back.",
        "After Jordan Smith joined the call, the team agreed to roll back.",
        "The incident review, chaired by Priya Natarajan, will be published on Friday.",
        "Fix reviewed by Jordan Smith, deploying at 14:40.",
    ],
)
def test_a_member_of_staff_named_for_their_role_is_not_blamed(people, text):
    assert not blames(text), text


# speculation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The power cut appears to have been caused by flooding at a substation.",
        "The fault is thought to be in an underground cable.",
        "The cause is believed to be a damaged cable.",
        "We currently believe a faulty router is responsible.",
        "Engineers think a lightning strike damaged the substation.",
        "Service is expected to be back soon.",
        "Service should resume shortly.",
        "This may be the result of high demand.",
        "The delay could have been caused by the snow.",
        "The update may have caused the problem.",
        "The issue could stem from a faulty update.",
        "Initial checks suggest a problem with a power supply.",
        "From what we can tell, the problem began with last night's update.",
        "We're working on the theory that a storage unit failed.",
        "There's a chance some payments were taken twice.",
        "We hope to have everything working again shortly.",
        "It would seem that only iPhone users are affected.",
        "The cause is a fault at the bank, though this has not been confirmed.",
        "We don't think any data was lost.",
        "We can't rule out that some payments were taken twice.",
        "The company said a cyber attack could not be ruled out.",
    ],
)
def test_a_hedge_about_the_cause_or_the_fix_is_speculation(app, text):
    assert "speculation" in codes(run(text, audience="customers")), text


@pytest.mark.parametrize(
    "text",
    [
        # A forecast pinned to a time is a plan.
        "Service is expected to be restored by 16:00 UTC.",
        "Broadband should return by 18:00.",
        "Our next statement is expected by 16:00 GMT.",
        "We expect to restore service by 17:00 UTC.",
        # What readers may see or should do.
        "Customers could not log in between 09:00 and 09:40.",
        "You could try paying by bank transfer instead.",
        "The fix could take up to two hours to reach every customer.",
        "You'll likely need to sign in again after the update.",
        "Calls may take longer to connect this afternoon.",
        "Passengers should check the departure boards for updates.",
        # Not a guess at all.
        "We believe in being open with you, so here is what happened.",
        "If you think you were charged twice, please contact us.",
        "Our root cause analysis points to an expired certificate.",
        "We have checked every possible cause.",
    ],
)
def test_what_readers_should_expect_is_not_speculation(app, text):
    assert "speculation" not in codes(run(text, audience="customers")), text


# one vocabulary ------------------------------------------------------------------------


def test_the_fixed_phrases_know_every_role_the_agent_rules_know(people):
    """ "caused by a technician" is a fixed phrase built from the agent rules' own list of
    roles (app.comms.blame_agents), so the two cannot drift apart."""
    text = "The outage was caused by a technician."
    assert texts_of(run(text, audience="engineering"), "blame", text) == [
        (ERROR, "page_text", "caused by a technician")
    ]


# the general structures of blame, in new words -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # WRONG-ACT by AGENT, the agent at the end of a long noun phrase.
        "The domain lapsed because it was never renewed by our registrar.",
        "Refunds were late because the file was uploaded twice by someone in our finance "
        "department.",
        "Prices were wrong after they were mistakenly changed by a member of our pricing team.",
        "The rates were incorrectly entered by staff at our Leeds office.",
        # What an agent drove or worked with did the damage.
        "The alarm went off after a drill used by a contractor working in the basement hit a "
        "water pipe.",
        "The outage began when a van driven by our courier crashed into the street cabinet.",
        # AGENT's ACT and what it did.
        "Root cause: Sam's migration on the billing DB dropped the invoices index.",
        "Card payments failed because our payment provider's update to the fraud rules "
        "blocked valid cards.",
        # A team, without a determiner, doing a wrong act (an old thing, a destroyed one).
        "The billing job failed because payroll ops loaded an old version of the tax table.",
        "The infra team dropped the production table during the clean-up.",
        # A supplier named in brackets or commas; a person named after their role.
        "Our card processor (Paysafe) misconfigured the 3DS rules.",
        "Our SMS provider, TextNow, sent the alerts twice.",
        "Vendor engineer A. Kowalski left the switch configuration half-finished.",
    ],
)
def test_the_general_structures_of_blame_are_blamed(people, text):
    assert blames(text), text


@pytest.mark.parametrize(
    "text",
    [
        "The faulty cable was replaced by our engineers at 14:00.",
        "The payments were checked twice by our finance team before sending.",
        "The system was restarted again by our engineers and is recovering.",
        "The outage was not caused by our staff.",
        "A digger operated by our contractor is repairing the road.",
        "Deliveries are delayed due to the council's scheduled road works.",
        "The billing team restored last month's backup and the data is back.",
        "Finance ops uploaded the corrected rate card at 10:00.",
        "Our engineers dropped the price of the add-on.",
    ],
)
def test_the_same_structures_doing_the_job_are_not_blame(people, text):
    assert not blames(text), text


# jargon, next update and contradiction ---------------------------------------------------


@pytest.mark.parametrize(
    "text, jargon",
    [
        # Plain operational words a lay reader understands.
        ("We have rolled back the update and payments are working again.", False),
        ("Our engineers deployed a fix at 14:00.", False),
        ("A configuration change stopped some dashboards from loading.", False),
        ("An engineer restarted the live database instead of a test copy.", False),
        ("Our on-call team replaced a failed piece of network equipment.", False),
        # Bare, or of a thing of the trade: still jargon.
        ("We are rolling back the deployment.", True),
        ("A faulty config change broke sign-in.", True),
        ("Our VoIP platform is down and the SIP trunks are failing.", True),
    ],
)
def test_plain_operational_words_are_not_jargon(app, text, jargon):
    assert ("jargon" in codes(run(text))) is jargon, text


@pytest.mark.parametrize(
    "text",
    [
        "Mitigating. Next update in 15m.",
        "Mitigating. ETA 30 mins, next update in 1h.",
        "Next update: 2 hrs.",
        "Next update ~45 min.",
        "The company said a further statement would be issued at 16:00.",
        "The bank said it would provide a full update by 5pm.",
    ],
)
def test_short_units_and_reported_speech_tell_the_next_update(app, text):
    assert "no_next_update" not in codes(run(text, audience="engineering")), text


@pytest.mark.parametrize(
    "text, status, contradicts",
    [
        # A forecast of a recovery, or a measure back to normal, is not a claim.
        ("Payments should be back to normal within the hour.", "monitoring", False),
        ("We expect everything to be fully restored by 16:00.", "identified", False),
        ("Fix is live and error rates are back to normal.", "monitoring", False),
        # The service said to be recovered, before the incident is resolved.
        ("Payments are back to normal.", "monitoring", True),
        ("Everything is back up and running now.", "identified", True),
    ],
)
def test_a_forecast_is_not_a_contradiction(app, text, status, contradicts):
    assert ("contradiction" in codes(run(text, status=status))) is contradicts, text


@pytest.mark.parametrize(
    "text, hedged",
    [
        ('The firm said it was "pretty sure" the fault was in a supplier\'s system.', True),
        ("We're almost certain the fault is fixed.", True),
        ("The app is probably reading an out-of-date flight list.", True),
        ("Services are expected to be restored later today.", False),
        ("Services are expected to be back soon.", True),
    ],
)
def test_confidence_short_of_certainty_is_speculation(app, text, hedged):
    assert ("speculation" in codes(run(text, audience="press"))) is hedged, text
