"""The demo's ideas, written as the customers of a warehouse and shipping SaaS would write them.

Each entry says on which board it lives, how far it got, who asks for it (`demand`), its tags and
kind; `portal.demo` turns them into ideas, votes, comments and ratings. The order matters: the
first released ideas are the ones the demo's release notes deliver, in the notes' order, and the
first idea in progress ships with the scheduled note.

`demand` is one of:
- "many": most organisations, many people (the broad asks);
- "smb": two or three of the smaller, standard-tier customers, a handful of people each;
- "key": one or two key accounts, a few people (few voters, a lot of revenue);
- "one": one organisation, one to three people;
- "none": nobody but the author;
- "@acme", "@huali+globex": exactly these organisations (the first part of their domain).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.ideas.models import Kind, Severity
from portal.lifecycle.stages import Stage

WEB, MOBILE, BILLING = "web-app", "mobile-app", "billing"
TAGS = [
    "Reporting",
    "Integrations",
    "Permissions",
    "Performance",
    "Notifications",
    "Export",
    "Security",
    "Localisation",
]


@dataclass(frozen=True)
class Entry:
    title: str
    body: str
    board: str
    stage: Stage
    demand: str
    tags: tuple[str, ...] = ()
    kind: Kind = Kind.feature
    severity: Severity | None = None
    comments: tuple[str, ...] = ()  # said by customers, in this order; none: a generic one or two
    duplicate_of: str | None = None  # a merged idea: the title of the idea it was merged into


def feature(board, stage, demand, tags, title, body, *comments, duplicate_of=None) -> Entry:
    return Entry(title=title, body=body, board=board, stage=Stage(stage), demand=demand,
                 tags=_tags(tags), comments=comments, duplicate_of=duplicate_of)  # fmt: skip


def bug(board, stage, severity, demand, tags, title, body, *comments) -> Entry:
    return Entry(title=title, body=body, board=board, stage=Stage(stage), demand=demand,
                 tags=_tags(tags), kind=Kind.bug, severity=Severity(severity),
                 comments=comments)  # fmt: skip


def _tags(tags: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in tags.split(",") if name.strip())
    assert all(name in TAGS for name in names), names
    return names


# Comments that fit any idea of their kind, for ideas without comments of their own.
FEATURE_COMMENTS = [
    "+1 from our operations team.",
    "We would use this every day at our main depot.",
    "Same request from our warehouse leads.",
    "This would save us **hours** every week.",
    "Our new sites asked for exactly this during onboarding.",
]
BUG_COMMENTS = [
    "We see the same on our account.",
    "Same here, for two of our users.",
    "Happens to us too. Thanks for writing down the steps.",
]

CATALOGUE: list[Entry] = [
    # --- Released ("verify"): the first six are the ones the release notes deliver. ---
    feature(
        WEB,
        "verify",
        "many",
        "Reporting, Export",
        "Export any report to Excel",
        "At month end our controllers copy every report into Excel by hand, which takes most "
        "of a day. An **Export** button that produces a real `.xlsx` file (not a CSV with "
        "broken umlauts) would fix this. Keep the column headers as they are on screen.",
        "Tried it this morning: the carrier cost report opens in Excel with the right "
        "formats. Thank you!",
        "Works for us too. Could the export also keep the filters we chose?",
    ),
    feature(
        WEB,
        "verify",
        "smb",
        "Reporting",
        "Totals row at the bottom of every report",
        "Most reports list shipments or orders but never add them up. Our managers want to see "
        "the total weight, parcels and freight cost without exporting first. A totals row that "
        "follows the current filter would be enough.",
    ),
    feature(
        WEB,
        "verify",
        "key",
        "Performance",
        "Faster dashboard for accounts with many sites",
        "With 14 sites the dashboard takes 15–20 seconds to open every morning, exactly when "
        "the whole team logs in. Smaller accounts do not seem to have this problem. Anything "
        "that makes the first view appear faster would help our shift start.",
        "Much better since the update: under two seconds for us.",
    ),
    bug(
        WEB,
        "verify",
        "s2",
        "smb",
        "Reporting",
        "Stock levels on the dashboard lag an hour behind",
        "Steps:\n\n1. Book a goods receipt in the warehouse\n2. Open the dashboard\n3. Look at "
        "*Stock on hand* for that item\n\nThe new stock only shows up about an hour later, "
        "while the item page shows it at once. Our sales desk promises stock that is not "
        "there, or refuses orders we could ship.",
        "Same for us at the Leeds site.",
    ),
    feature(
        WEB,
        "verify",
        "many",
        "Integrations",
        "Create shipments from Shopify orders",
        "We sell through Shopify and retype every paid order as a shipment. Importing new "
        "orders automatically, with address and weight, would remove the typing errors that "
        "cause most of our failed deliveries.",
        "We connected our shop in five minutes. Brilliant.",
    ),
    feature(
        WEB,
        "verify",
        "smb",
        "Integrations, Notifications",
        "Post delivery exceptions to Microsoft Teams",
        "Our customer service team lives in Teams, not in the dashboard. When a delivery fails "
        "or is refused, a message in a Teams channel with the shipment number and reason would "
        "let them call the customer the same day.",
    ),
    feature(
        MOBILE,
        "verify",
        "many",
        "",
        "Signature and photo as proof of delivery in the driver app",
        "Our drivers still carry paper delivery notes only to get a signature. Capturing the "
        "signature and a photo of the goods in the app, attached to the shipment, would end "
        "the paper and the disputes about damaged pallets.",
        "Our drivers love it. The photo quality could be a bit higher.",
    ),
    feature(
        WEB,
        "verify",
        "key",
        "Notifications",
        "Low-stock alerts with reorder points",
        "We want to set a reorder point per item and warehouse and get an email when stock "
        "falls below it. Today a planner checks a spreadsheet every morning and still misses "
        "items over the weekend.",
    ),
    bug(
        MOBILE,
        "verify",
        "s3",
        "one",
        "",
        "Shipping label prints at the wrong size on A4",
        "When we print a label from the app on an A4 office printer, it fills the whole page "
        "instead of a quarter. Thermal printers are fine. We use A4 sheets with four labels "
        "at our smaller sites.",
    ),
    feature(
        WEB,
        "verify",
        "@umbrella",
        "",
        "Show times in each user's own time zone",
        "Our planners in Berlin and our carrier desk in Lisbon see the same pickup times, but "
        "one of them is always an hour off. Please show times in each person's time zone, "
        "with the zone name next to them.",
    ),
    feature(
        BILLING,
        "verify",
        "smb",
        "",
        "Add a VAT number to our invoices",
        "Our invoices have no field for our VAT number, so our finance team cannot reclaim the "
        "VAT. Please let us enter it in the billing settings and print it on every invoice.",
    ),
    # --- In progress ("execute"): the first ships with the scheduled note. ---
    feature(
        MOBILE,
        "execute",
        "smb",
        "",
        "Print 4×6 inch labels on Zebra printers",
        "Carriers in the US want 4×6 inch labels. Our Zebra printers can do it, but the app "
        "only sends A6. A choice of label size per printer would let our Dallas site use the "
        "app for everything.",
        "Can't wait, our Dallas team prints from a laptop until then.",
    ),
    bug(
        MOBILE,
        "execute",
        "s1",
        "many",
        "",
        "Driver app crashes when it scans a damaged QR code",
        "If the QR code on a parcel is partly torn, the app closes instead of showing an "
        "error. The driver has to start the app again and loses the stop he was on. This "
        "happens to us several times a day on iOS 17 and Android 14.",
        "Happened to three of our drivers this morning.",
        "Same here. We now tell drivers to type the number instead of scanning.",
    ),
    feature(
        WEB,
        "execute",
        "key",
        "Permissions",
        "Read-only access for finance users",
        "Our finance team needs to see shipments and freight costs to check carrier invoices, "
        "but must not change anything. Today we give them full accounts and hope for the best.",
    ),
    feature(
        WEB,
        "execute",
        "many",
        "",
        "Search shipments by customer reference",
        "Our customers call with **their** order number, not ours. The search box only finds "
        "our shipment number and the tracking number. Please search the customer reference "
        "field as well.",
    ),
    feature(
        WEB,
        "execute",
        "@acme+globex",
        "Integrations",
        "Send freight costs to our ERP via the API",
        "Finance books freight costs per shipment in SAP. The API gives us the shipment but "
        "not the final cost after surcharges. Please add the invoiced cost, with currency, to "
        "the shipment endpoint.",
    ),
    feature(
        MOBILE,
        "execute",
        "smb",
        "",
        "Cycle count mode in the mobile app",
        "We count a few locations every day instead of closing the warehouse once a year. A "
        "mode that lists today's locations, lets us scan what is there and shows the "
        "difference would replace our paper count sheets.",
    ),
    feature(
        WEB,
        "execute",
        "one",
        "Reporting",
        "Heat map of pick activity per aisle",
        "We are re-slotting our Rotterdam warehouse. A heat map of how often each aisle is "
        "visited would show us which fast movers sit too far from the dock.",
    ),
    bug(
        BILLING,
        "execute",
        "s2",
        "key",
        "",
        "Seats removed mid-month are still charged on the next invoice",
        "We removed 12 seats on 3 May. The June invoice still charges all 40 seats for the "
        "full month, with no credit for May. Support corrected it by hand, but it happens "
        "every time we change seats.",
    ),
    feature(
        BILLING,
        "execute",
        "smb",
        "",
        "Purchase order number on invoices",
        "Our accounts payable team rejects any invoice without a PO number. Please let us enter "
        "a PO number (per year or per invoice) and print it on the invoice.",
    ),
    feature(
        WEB,
        "execute",
        "key",
        "Security",
        "Sessions expire after a period of inactivity",
        "Our security policy requires that a dashboard left open on a shared warehouse PC "
        "signs out after 15 minutes of inactivity. An admin setting for the timeout would "
        "let us pass our ISO 27001 audit.",
    ),
    # --- Planned ("plan"). ---
    feature(
        WEB,
        "plan",
        "many",
        "Security",
        "Two-factor authentication for all users",
        "After a phishing attempt last month our IT team wants two-factor sign-in for every "
        "account, with an authenticator app. Admins should be able to make it mandatory for "
        "the whole company.",
        "Please support hardware keys (FIDO2) as well, not only codes.",
        "Mandatory 2FA is a requirement in our next security review.",
    ),
    feature(
        WEB,
        "plan",
        "many",
        "Reporting, Notifications",
        "Scheduled reports by email",
        "Every Monday I open the same three reports and send them to our regional managers. "
        "Let me schedule a report (daily, weekly, monthly) and send it as an Excel attachment "
        "to a list of addresses.",
        "Monthly on the first working day would be perfect for our finance team.",
    ),
    feature(
        WEB,
        "plan",
        "key",
        "",
        "Dock appointment booking for carriers",
        "Trucks arrive whenever they like and queue at our gate for hours. We want carriers to "
        "book a slot per dock door online, with limits per hour, and see bookings on one "
        "screen in the gatehouse.",
    ),
    feature(
        WEB,
        "plan",
        "key",
        "",
        "Returns workflow with RMA numbers",
        "Returns are handled by email and spreadsheet today. We need to create a return with "
        "an RMA number, print a return label and see when the goods arrive back and in which "
        "condition.",
    ),
    feature(
        MOBILE,
        "plan",
        "smb",
        "",
        "Pick lists sorted by walking route",
        "Pick lists are sorted by item number, so pickers walk back and forth across the "
        "warehouse. Sorting by location (aisle, bay, level) would cut walking time a lot.",
    ),
    feature(
        MOBILE,
        "plan",
        "@huali+stark",
        "Localisation",
        "Chinese version of the mobile app",
        "Our warehouse staff in Suzhou and Ningbo read little English. The web app can be "
        "switched to Chinese, but the mobile app cannot, so every new picker needs a day of "
        "training just for the menus.",
    ),
    feature(
        WEB,
        "plan",
        "smb",
        "Reporting",
        "Carrier scorecard report",
        "We review our carriers every quarter on on-time rate, damage rate and cost per "
        "parcel. One report per carrier with these three numbers over time would replace "
        "a day of work in Excel.",
    ),
    feature(
        WEB,
        "plan",
        "@umbrella",
        "Reporting",
        "Temperature log for cold-chain shipments",
        "We ship medicines that must stay between 2 and 8 °C. Our loggers export a CSV per "
        "trip; we want to attach it to the shipment and see a chart with any time out of "
        "range highlighted, for our GDP audits.",
    ),
    feature(
        MOBILE,
        "plan",
        "many",
        "",
        "Next stop and navigation in the driver app",
        "Drivers switch between the app and Google Maps all day. Showing the next stop with a "
        "button that opens navigation to it would save time and mistakes.",
        "Please make Waze an option as well.",
    ),
    feature(
        BILLING,
        "plan",
        "smb",
        "",
        "Change plan without contacting sales",
        "We wanted to move from the Team plan to Business last month and had to wait four days "
        "for a call. Please let admins upgrade (and downgrade at the end of the term) in the "
        "billing settings.",
    ),
    feature(
        BILLING,
        "plan",
        "smb",
        "Notifications",
        "Reminder before the card on file expires",
        "Our company card expired and we only noticed when the account was locked on a busy "
        "Monday. An email to the billing contact a month before the card expires would have "
        "avoided it.",
    ),
    bug(
        WEB,
        "plan",
        "s3",
        "smb",
        "Notifications",
        "Delay notification emails arrive twice",
        "Since the beginning of the month, every *Shipment delayed* email arrives twice, a "
        "minute apart. It happens for all our users. Our customer service team now has "
        "double the emails to go through.",
    ),
    bug(
        WEB,
        "plan",
        "s3",
        "@globex",
        "Export",
        "CSV export uses commas inside the address column",
        'When an address contains a comma ("Unit 4, Harbour Road"), the exported CSV puts '
        "it in two columns and every column after it shifts. The field should be quoted.",
    ),
    feature(
        WEB,
        "plan",
        "key",
        "Integrations",
        "Book shipments with DB Schenker from the app",
        "Schenker carries about a third of our European volume. Booking with them means "
        "retyping each shipment in their portal. A direct booking integration, like the one "
        "you have for DHL, would save our planners hours every day.",
    ),
    feature(
        WEB,
        "plan",
        "one",
        "",
        "Duplicate an order with all its lines",
        "Many of our customers order the same items every week. Copying an existing order, "
        "with its lines and address, and changing only the date would be a big time saver.",
    ),
    feature(
        WEB,
        "plan",
        "key",
        "Permissions",
        "Limit users to their own warehouse",
        "Our site managers should only see stock, orders and staff of their own warehouse. "
        "Head office needs to see all of them. Today everyone sees everything, which our "
        "works council does not accept.",
    ),
    feature(
        MOBILE,
        "plan",
        "one",
        "",
        "Scan serial numbers when packing",
        "For electronics we must record the serial number of every device we ship. Let the "
        "packing screen ask for a serial number scan per unit and show it on the delivery "
        "note.",
    ),
    feature(
        WEB,
        "plan",
        "smb",
        "",
        "Address validation when creating a shipment",
        "About 3% of our parcels come back because of a wrong postcode or street. Checking "
        "the address while typing, and suggesting the correct one, would save us the return "
        "costs.",
    ),
    bug(
        MOBILE,
        "plan",
        "s2",
        "one",
        "",
        "Photos taken in the app are lost when the upload fails",
        "If the network drops while a driver uploads a photo of damaged goods, the photo is "
        "gone and the shipment shows no photo. The driver only finds out later, when we ask "
        "for the photo.",
    ),
    feature(
        WEB,
        "plan",
        "@acme",
        "Integrations",
        "Higher API rate limit for large accounts",
        "We sync about 40,000 shipments a day with our TMS and hit the limit of 600 requests "
        "a minute every afternoon. A higher limit for our account, or a bulk endpoint, would "
        "keep our sync from falling behind.",
    ),
    feature(
        WEB,
        "plan",
        "smb",
        "Reporting",
        "Compare this month with last month on reports",
        'Most of our questions start with "is it better than last month?". Showing the '
        "previous period next to each number, with the change in percent, would answer them "
        "without an export.",
    ),
    # --- Being analysed ("analyze"). ---
    feature(
        WEB,
        "analyze",
        "@globex+acme",
        "Security, Integrations",
        "Single sign-on with Okta",
        "Our IT policy requires single sign-on for every tool that holds customer data. We use "
        "Okta with SAML 2.0. Accounts should be created on first sign-in and disabled when "
        "someone leaves the company in Okta.",
        "Same for us: SSO is a hard requirement before we roll out to more sites.",
        "Azure AD would be next on our wish list.",
    ),
    feature(
        WEB,
        "analyze",
        "key",
        "Integrations",
        "Sync accounts and shipments with Salesforce",
        "Our account managers work in Salesforce and call us to ask where a customer's "
        "shipments are. Showing open shipments on the Salesforce account, updated every few "
        "minutes, would end those calls.",
    ),
    feature(
        WEB,
        "analyze",
        "many",
        "Integrations, Notifications",
        "Webhooks when a shipment changes status",
        "We poll the API every five minutes to see whether shipments moved. A webhook that "
        "calls our URL when a shipment is picked up, delayed or delivered would be faster "
        "and put less load on both sides.",
        "Please sign the requests so we can check they come from you.",
    ),
    feature(
        WEB,
        "analyze",
        "many",
        "",
        "Import orders from an Excel file",
        "Some of our customers send orders as Excel files. Uploading the file and mapping its "
        "columns once, then reusing the mapping, would save our order desk from typing "
        "hundreds of lines a week.",
    ),
    feature(
        WEB,
        "analyze",
        "smb",
        "Notifications, Integrations",
        "Slack alerts for delayed shipments",
        "Our team uses Slack. A message in a channel of our choice when a shipment is late, "
        "with a link to it, would let us react before the customer calls.",
    ),
    feature(
        WEB,
        "analyze",
        "many",
        "",
        "Branded tracking page for our customers",
        "Our customers get a tracking link that shows your logo, not ours. We would like our "
        "logo, colours and support phone number on the tracking page.",
    ),
    feature(
        WEB,
        "analyze",
        "one",
        "Integrations",
        "Create a Jira issue from a delivery exception",
        "Our IT team tracks recurring delivery problems in Jira. A button on the exception that "
        "creates an issue with the shipment details would save the copy and paste.",
    ),
    bug(
        WEB,
        "analyze",
        "s3",
        "smb",
        "Export, Reporting",
        "Inventory report export leaves out the last row",
        "The exported inventory report always has one item fewer than the screen. With 1,204 "
        "items on screen the file has 1,203; the missing one is the last item in the sort "
        "order. We noticed during our stock take.",
    ),
    bug(
        WEB,
        "analyze",
        "s2",
        "one",
        "",
        "Route map stays blank in Safari",
        "On a Mac with Safari 17, the route map of a tour shows a grey area and no stops. "
        "Chrome on the same Mac works. Our dispatchers use Macs, so they cannot plan tours.",
    ),
    bug(
        BILLING,
        "analyze",
        "s2",
        "@huali",
        "Localisation",
        "Invoices for our Shanghai branch show USD instead of CNY",
        "Our Shanghai branch is billed in CNY by contract, but since the last invoice run the "
        "invoice shows the amount in USD. Our accountants cannot book it, and the payment is "
        "now overdue.",
    ),
    feature(
        BILLING,
        "analyze",
        "smb",
        "Export",
        "Download all invoices of a year at once",
        "At year end our auditors want every invoice as PDF. Downloading 12 invoices one by "
        "one for each of our 3 accounts is tedious; one ZIP file per year would be perfect.",
    ),
    feature(
        MOBILE,
        "analyze",
        "smb",
        "",
        "Show stock per location in the app",
        "When a picker finds an empty location, they have to go to a PC to see where else the "
        "item is. Showing all locations with stock on the item screen in the app would save "
        "the walk.",
    ),
    feature(
        WEB,
        "analyze",
        "key",
        "",
        "Split one order into several shipments",
        "When part of an order is out of stock, we ship what we have and the rest later. "
        "Today we cancel the order and create two new ones, which confuses our customers' "
        "order numbers.",
    ),
    feature(
        WEB,
        "analyze",
        "none",
        "",
        "Move the filters to a side panel",
        "On a laptop screen the filter bar takes a third of the height. A collapsible side "
        "panel would leave more room for the list.",
    ),
    bug(
        MOBILE,
        "analyze",
        "s3",
        "one",
        "",
        "Scanner beeps twice for one scan on Honeywell devices",
        "On our Honeywell CT40 devices the app beeps twice for every scan, although the item "
        "is counted only once. Pickers think they scanned twice and remove one item again.",
    ),
    feature(
        WEB,
        "analyze",
        "@stark",
        "",
        "Deliveries by school term for education customers",
        "Our schools order before each term and want deliveries in the week before it starts. "
        "A delivery window per customer, by term dates, would save us phoning 60 schools.",
    ),
    feature(
        WEB,
        "analyze",
        "smb",
        "Notifications",
        "Daily summary email for site managers",
        "Our site managers want one email at 7 am with yesterday's shipments, delays and "
        "returns for their site, instead of opening the dashboard.",
    ),
    feature(
        MOBILE,
        "analyze",
        "one",
        "",
        "Larger buttons for gloved hands",
        "In our freezer warehouse pickers wear thick gloves. The buttons in the app are too "
        "small to hit reliably. A mode with larger buttons would help a lot.",
    ),
    feature(
        WEB,
        "analyze",
        "@umbrella",
        "Security",
        "Keep the audit log for seven years",
        "As a pharmaceutical distributor we must keep records of who changed shipments for "
        "seven years. The audit log only goes back 12 months today.",
    ),
    feature(
        WEB,
        "analyze",
        "none",
        "Reporting",
        "Custom report builder",
        "The built-in reports cover most needs, but we sometimes want a list with our own "
        "columns and grouping. A simple report builder would save us exporting to Excel.",
    ),
    bug(
        WEB,
        "analyze",
        "s4",
        "none",
        "",
        "Tooltip covers the Save button on the order form",
        "On the order form, the tooltip of the *Incoterms* field stays open and covers the "
        "*Save* button until you click elsewhere. Minor, but it trips up new colleagues.",
    ),
    # --- New ("collect"). ---
    feature(
        WEB,
        "collect",
        "many",
        "",
        "Dark mode for the dashboard",
        "Our night shift works from 10 pm to 6 am, and the white dashboard is hard on the eyes "
        "in a dim warehouse office. A dark theme, or following the operating system's setting, "
        "would be enough.",
        "Yes please, our control room would switch at once.",
    ),
    feature(
        WEB,
        "collect",
        "smb",
        "",
        "Saved filters on the shipments list",
        "Every morning I filter the shipments list by carrier, *Delayed* and our three depots: "
        "eight clicks before I can start work. Let me save a filter under a name, and ideally "
        "share it with my team.",
    ),
    feature(
        WEB,
        "collect",
        "none",
        "",
        "Keyboard shortcuts for the shipments list",
        "Our control room handles hundreds of shipments a shift. Shortcuts like `j`/`k` to "
        "move, `e` to edit and `/` to search would save a lot of mouse travel.",
    ),
    feature(
        WEB,
        "collect",
        "key",
        "",
        "Custom fields on orders",
        "We need a customs reference and a cost centre on every order. Today we put them in "
        "the *Notes* field and parse it in Excel, which breaks whenever someone types a "
        "space. Two or three typed fields that show in the list and the export would do.",
    ),
    feature(
        WEB,
        "collect",
        "many",
        "",
        "Bulk edit shipments",
        "When a truck is cancelled, we move 40 to 60 shipments to another carrier one at a "
        "time. Please let us select several shipments and change the carrier, pickup date or "
        "status in one go.",
        "This would have saved us a whole afternoon last Friday.",
    ),
    feature(
        WEB,
        "collect",
        "one",
        "",
        "Timeline view of dock appointments",
        "We plan 12 dock doors per site. A timeline per door, where we can drag an appointment "
        "to another slot, would replace the whiteboard in our gatehouse.",
    ),
    feature(
        WEB,
        "collect",
        "key",
        "Export, Security",
        "Export the audit log",
        "Every quarter our auditors ask who changed carrier rates and user roles. We can see "
        "the audit log but not export it, so we send screenshots. A CSV export for a date "
        "range would pass the audit.",
    ),
    feature(
        WEB,
        "collect",
        "@umbrella",
        "Security",
        "Delete personal data after a set period",
        "We deliver to patients' homes and must delete their addresses 24 months after "
        "delivery. Please let admins choose how long personal data on delivered shipments is "
        "kept, and remove it automatically after that.",
    ),
    feature(
        WEB,
        "collect",
        "key",
        "Permissions",
        "Sub-accounts for our branches",
        "We run 14 branches under one contract. Each branch should have its own users and "
        "shipments, while head office sees everything and gets a single invoice.",
    ),
    feature(
        WEB,
        "collect",
        "smb",
        "",
        "Show carrier cut-off times on the dashboard",
        "Each carrier collects at a different time. A countdown to each carrier's cut-off on "
        "the dashboard would tell the team what to pack first.",
    ),
    bug(
        WEB,
        "collect",
        "s2",
        "@globex",
        "Reporting",
        "On-time rate counts split deliveries as late twice",
        "Steps:\n\n1. Open *Reports → Delivery performance*\n2. Choose last month and one "
        "carrier\n3. Compare with the shipments list\n\nA shipment delivered in two parts "
        "counts as two late deliveries, so our on-time rate shows 81% instead of 93%. We "
        "send this report to the carrier every month.",
    ),
    bug(
        WEB,
        "collect",
        "s3",
        "none",
        "",
        "Date field jumps to 1 January when a date is typed",
        "In the *Pickup date* field, typing 12/03 and pressing Tab sets the date to 1 January. "
        "Choosing the date with the mouse works. Chrome 126 on Windows 11.",
    ),
    bug(
        WEB,
        "collect",
        "s1",
        "@acme+huali",
        "Performance",
        "Shipments list times out with *All branches* selected",
        "Since Monday the shipments list shows *Something went wrong* after about 30 seconds "
        "when we choose *All branches*. A single branch still works. Our control room cannot "
        "see today's shipments at a glance and works from the mobile app instead.",
        "Same for us since Monday, with about 60,000 shipments.",
        "Any news? This blocks our morning planning.",
    ),
    bug(
        WEB,
        "collect",
        "s4",
        "none",
        "",
        "Typo in the help text of the carrier settings",
        'The help text under *Default carrier* says "recieve" instead of "receive". Small '
        "thing, but our customers' admins see this page too.",
    ),
    feature(
        MOBILE,
        "collect",
        "many",
        "",
        "Offline mode for scanning in the warehouse",
        "Our cold store has no signal behind the freezer doors. The app should keep scans "
        "while offline and send them when the connection is back, with a counter of what is "
        "still to upload.",
        "Same in our basement storage: the app is useless there today.",
    ),
    feature(
        MOBILE,
        "collect",
        "smb",
        "",
        "Print labels over Bluetooth from the phone",
        "Our drivers carry small Zebra printers. Printing a replacement label from the app "
        "would save a trip back to the depot when a label is torn.",
    ),
    feature(
        MOBILE,
        "collect",
        "key",
        "Notifications",
        "Push notification when a delivery exception needs approval",
        "Supervisors approve exceptions (refused delivery, damaged goods), but only see them "
        "when they open the app. A push notification with the shipment number would cut our "
        "approval time from hours to minutes.",
    ),
    feature(
        MOBILE,
        "collect",
        "one",
        "",
        "Landscape mode on tablets",
        "We mount iPads on our forklifts in landscape. The app only works in portrait, so the "
        "scan button ends up at the side of the screen.",
    ),
    bug(
        MOBILE,
        "collect",
        "s2",
        "smb",
        "Performance",
        "Barcode scanning is slow on Android 14",
        "Since our Samsung XCover 6 devices were updated to Android 14, each scan takes two or "
        "three seconds to register instead of being instant. The devices still on Android 13 "
        "are fast. Our pickers scan about 600 items an hour, so this adds up quickly.",
        "Same on our Zebra TC58 after the update.",
    ),
    bug(
        MOBILE,
        "collect",
        "s3",
        "one",
        "",
        "Switching to the camera signs me out of the app",
        "On an iPhone 12 with iOS 17.5, when I take a photo of a damaged pallet and come back "
        "to the app, I am on the sign-in screen and the photo is lost.",
    ),
    feature(
        MOBILE,
        "collect",
        "none",
        "",
        "Read several barcodes from one photo",
        "Inbound pallets often carry 20 cartons with a barcode each. Reading all barcodes from "
        "one photo of the pallet would be much faster than scanning them one by one.",
    ),
    feature(
        MOBILE,
        "collect",
        "@huali",
        "Localisation, Security",
        "Sign in with WeChat",
        "Most of our warehouse staff in Suzhou and Ningbo have no company email address, but "
        "all of them use WeChat. Signing in with WeChat would let us give the app to 200 more "
        "people.",
    ),
    feature(
        BILLING,
        "collect",
        "smb",
        "",
        "Discount for paying a year in advance",
        "We would happily pay a year upfront for a discount. Our finance team also prefers one "
        "invoice a year to twelve.",
    ),
    feature(
        BILLING,
        "collect",
        "@huali",
        "Localisation",
        "Invoices in Simplified Chinese",
        "Our finance department in Suzhou needs invoices in Chinese, with our Chinese company "
        "name, to match them with the fapiao. They reject the English invoice.",
    ),
    feature(
        BILLING,
        "collect",
        "@globex",
        "",
        "Pay by SEPA direct debit",
        "Our company does not allow card payments for suppliers. SEPA direct debit is the "
        "usual way to pay a subscription in Europe; bank transfer works, but our payables "
        "team has to remember it every month.",
    ),
    feature(
        BILLING,
        "collect",
        "smb",
        "",
        "Send invoices to a billing address",
        "Invoices go to the account owner, who forwards them to our accounts team. Let us add "
        "a billing contact who receives the invoices directly.",
    ),
    bug(
        BILLING,
        "collect",
        "s3",
        "@umbrella",
        "",
        "Invoice PDF cuts off long company names",
        'Our legal name is "Umbrella Health Distribution Services GmbH & Co. KG". On the '
        'invoice PDF it stops after "GmbH &" and the rest is missing. Our accountant asked '
        "for a corrected invoice.",
    ),
    feature(
        BILLING,
        "collect",
        "@stark",
        "",
        "Seasonal plan for businesses with a peak",
        "We are busy for eight weeks around the start of term and quiet for the rest of the "
        "year. A plan that lets us add seats for the peak only would suit us far better than "
        "paying for 25 seats all year.",
    ),
    feature(
        WEB,
        "collect",
        "one",
        "Integrations",
        "Connect to Microsoft Dynamics 365",
        "We are moving our ERP to Dynamics 365 next year. A connector that sends orders to you "
        "and receives shipment status back would be a reason for us to stay.",
    ),
    feature(
        WEB,
        "collect",
        "none",
        "",
        "Remember the last page of a list",
        "When I open a shipment from page 4 of the list and go back, I land on page 1 again. "
        "Please keep the page and the scroll position.",
    ),
    feature(
        MOBILE,
        "collect",
        "one",
        "Notifications",
        "Tell the customer when the driver is close",
        "Many of our deliveries fail because nobody is home. A text message to the recipient "
        "when the driver is two stops away would save us many second attempts.",
    ),
    # --- Merged: each says again what an open idea above says. ---
    feature(
        WEB,
        "merged",
        "one",
        "Security",
        "SSO login through Okta SAML",
        "We need our staff to sign in with their Okta account instead of a separate password.",
        duplicate_of="Single sign-on with Okta",
    ),
    feature(
        WEB,
        "merged",
        "none",
        "",
        "Night theme for the web dashboard",
        "Please add a darker colour scheme for people working night shifts.",
        duplicate_of="Dark mode for the dashboard",
    ),
    feature(
        MOBILE,
        "merged",
        "one",
        "",
        "Scan without network in the cold store",
        "The app stops working in our cold store because there is no network there. Could it "
        "store the scans and upload them later?",
        duplicate_of="Offline mode for scanning in the warehouse",
    ),
    # --- Shipped and confirmed ("closed"). ---
    feature(
        WEB,
        "closed",
        "many",
        "",
        "Search shipments by tracking number",
        "Our customers call with the carrier's tracking number. Please let us paste it into "
        "the search box and find the shipment.",
    ),
    feature(
        MOBILE,
        "closed",
        "many",
        "",
        "Scan barcodes with the phone camera",
        "Not every driver has a scanner. Scanning parcel barcodes with the phone's camera "
        "would let us give the app to our subcontracted drivers too.",
    ),
    feature(
        BILLING,
        "closed",
        "smb",
        "Export",
        "Download past invoices as PDF",
        "Please keep all our past invoices in the billing settings, ready to download as PDF, "
        "so we no longer have to search our mailboxes.",
    ),
    bug(
        BILLING,
        "closed",
        "s2",
        "smb",
        "",
        "Monthly invoice total is off by a few cents",
        "The total on our invoice is 0.03 higher than the sum of its lines. Our accounting "
        "system refuses invoices that do not add up. It looks like each line is rounded "
        "before it is added.",
    ),
    feature(
        WEB,
        "closed",
        "smb",
        "",
        "Filter shipments by date range",
        "The shipments list only offers *Today*, *This week* and *This month*. We need a "
        "from–to date range to answer questions about last quarter.",
    ),
    feature(
        WEB,
        "closed",
        "key",
        "Permissions",
        "Invite colleagues without an admin",
        "Only our single admin can invite users, and she is often on the road. Let team leads "
        "invite people to their own team.",
    ),
    bug(
        MOBILE,
        "closed",
        "s3",
        "one",
        "",
        "Driver app shows yesterday's tour after midnight",
        "Drivers who start before midnight keep seeing yesterday's tour until they restart "
        "the app. The tour should follow the planned date, not the device clock.",
    ),
    # --- Declined. ---
    feature(
        WEB,
        "declined",
        "one",
        "",
        "Built-in chat between dispatchers and drivers",
        "It would be handy to chat with drivers inside the app instead of calling them.",
    ),
    feature(
        WEB,
        "declined",
        "none",
        "",
        "Track pallets on a blockchain",
        "Our board asked whether pallet movements could be written to a blockchain so that "
        "nobody can change them afterwards.",
    ),
    feature(
        WEB,
        "declined",
        "none",
        "",
        "Send delivery notes by fax",
        "Two of our oldest customers still want delivery notes by fax. Could the system send "
        "them automatically?",
    ),
    feature(
        MOBILE,
        "declined",
        "none",
        "",
        "App for Windows phones",
        "Some of our older handhelds run Windows Embedded. An app for them would save us "
        "replacing 30 devices.",
    ),
    feature(
        BILLING,
        "declined",
        "none",
        "",
        "Pay with cryptocurrency",
        "We would like to pay our subscription in Bitcoin.",
    ),
    feature(
        BILLING,
        "declined",
        "many",
        "",
        "Free plan for small warehouses",
        "For a warehouse with two users the cheapest plan is too expensive. A free plan for up "
        "to three users would help small companies start.",
        "We would have started with you a year earlier with a free plan.",
    ),
    feature(
        MOBILE,
        "declined",
        "one",
        "",
        "Leaderboard of the fastest pickers",
        "A leaderboard with the fastest pickers of the day would motivate our team.",
    ),
    feature(
        WEB,
        "declined",
        "none",
        "",
        "Upload our own CSS for the dashboard",
        "We would like to restyle the dashboard completely with our own stylesheet.",
    ),
    feature(
        WEB,
        "declined",
        "one",
        "",
        "Use our own map server instead of the built-in map",
        "We have a GIS server with our own map data and would like the route map to use it.",
    ),
    feature(
        WEB,
        "declined",
        "smb",
        "",
        "Desktop app for Mac",
        "A native Mac app would feel faster than the browser for our dispatchers.",
    ),
    feature(
        BILLING,
        "declined",
        "smb",
        "",
        "Unlimited read-only users at no charge",
        "Many people only look at the dashboard once a week. They should not cost a full seat.",
    ),
    feature(
        WEB,
        "declined",
        "key",
        "",
        "Optimise routes with 500 stops",
        "Our city tours have up to 500 stops. The route planner stops at 150. We would like it "
        "to plan the whole tour at once.",
    ),
    feature(
        MOBILE,
        "declined",
        "none",
        "",
        "Voice picking",
        "Pickers could keep both hands free if the app read the next location aloud and "
        "listened for a check digit.",
    ),
    feature(
        WEB,
        "declined",
        "one",
        "",
        "Let customers change a delivered shipment",
        "Our customers sometimes want to correct the address after delivery for their own records.",
    ),
    feature(
        WEB,
        "declined",
        "none",
        "",
        "Print pick lists on dot-matrix printers",
        "Our warehouse still uses continuous-paper printers for pick lists.",
    ),
    feature(
        BILLING,
        "declined",
        "one",
        "",
        "Refund unused days when we remove seats",
        "When we remove a user in the middle of the month, we would like the unused days "
        "paid back to our card.",
    ),
]

# Feedback as staff log it: (channel, the words, the idea it was linked to or None for the inbox).
FEEDBACK = [
    ("lost_deal", "Lost the Northwind deal: they need SSO with Okta before they sign.",
     "Single sign-on with Okta"),
    ("churn", "Cancelled: planners spent a morning a day retyping Excel orders.",
     "Import orders from an Excel file"),
    ("nps", "Score 6. The mobile app is slow when we scan barcodes in the warehouse.",
     "Barcode scanning is slow on Android 14"),
    ("support", "Ticket #4411: invoices show the wrong currency for our Shanghai branch.",
     "Invoices for our Shanghai branch show USD instead of CNY"),
    ("email", "Could you add a dark mode? Our night shift finds the dashboard too bright.",
     "Dark mode for the dashboard"),
    ("internal", "Sales: three prospects asked for a Salesforce sync this quarter.",
     "Sync accounts and shipments with Salesforce"),
    ("strategy", "Goal for 2027: win logistics companies in Asia Pacific.", None),
    ("support", "Ticket #4520: the shipments list times out for all branches again.",
     "Shipments list times out with *All branches* selected"),
    ("nps", "Score 9. Love the new Shopify import; a Dynamics connector would be next.", None),
    ("email", "Our drivers keep losing photos when the network drops.", None),
    ("lost_deal", "Lost a pharma prospect: they need a 7-year audit trail.",
     "Keep the audit log for seven years"),
    ("internal", "Support: a carrier asked whether they can book dock slots online.", None),
    ("churn", "Left for a competitor with a free plan for two users.", None),
    ("support", "Ticket #4602: label prints tiny on the Zebra at the Dallas site.", None),
]  # fmt: skip
