//! What a file holds, the fields its columns can fill, and the headers other asset systems give
//! each field.

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Devices,
    Borrowers,
    /// Services for the signposting directory.
    Directory,
}

impl Target {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "devices" => Some(Target::Devices),
            "borrowers" => Some(Target::Borrowers),
            "directory" => Some(Target::Directory),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Devices => "devices",
            Target::Borrowers => "borrowers",
            Target::Directory => "directory",
        }
    }

    /// The fields a column can fill, as the export names them, each with the headers other
    /// systems give it (compared lower-case, letters and digits only).
    pub fn fields(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Target::Devices => DEVICE_FIELDS,
            Target::Borrowers => BORROWER_FIELDS,
            Target::Directory => DIRECTORY_FIELDS,
        }
    }

    /// The fields a file must fill.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Target::Devices => &["kind", "make", "model"],
            Target::Borrowers => &["name"],
            Target::Directory => &["name", "impact_areas"],
        }
    }
}

/// Read but not kept: what the export writes that an import cannot set (a device arrives
/// available; a borrower gets a new id).
pub const IGNORED: &str = "ignore";

const DEVICE_FIELDS: &[(&str, &[&str])] = &[
    (
        "asset_tag",
        &[
            "assettag",
            "asset",
            "assetno",
            "assetnumber",
            "assetid",
            "tag",
            "tagnumber",
        ],
    ),
    (
        "kind",
        &[
            "kind",
            "category",
            "type",
            "devicetype",
            "assettype",
            "devicecategory",
        ],
    ),
    ("make", &["make", "manufacturer", "brand", "vendor"]),
    (
        "model",
        &["model", "modelname", "modelno", "modelnumber", "product"],
    ),
    (
        "serial_number",
        &["serialnumber", "serial", "serialno", "sn", "servicetag"],
    ),
    ("imei", &["imei", "imeinumber"]),
    ("hub", &["hub", "location", "site", "homehub", "office", "branch"]),
    ("condition", &["condition", "state"]),
    ("accessories", &["accessories", "accessory", "includes"]),
    (
        "funding_source",
        &["fundingsource", "funding", "funder", "fundedby", "grant"],
    ),
    (
        "purchased_on",
        &[
            "purchasedon",
            "purchasedate",
            "dateofpurchase",
            "purchased",
            "boughton",
            "acquired",
        ],
    ),
    (
        "purchase_cost",
        &[
            "purchasecost",
            "cost",
            "price",
            "purchaseprice",
            "value",
            "unitcost",
        ],
    ),
    ("notes", &["notes", "note", "comments", "comment", "description"]),
    ("sim_iccid", &["simiccid", "iccid", "simnumber", "sim"]),
    ("sim_network", &["simnetwork", "network", "carrier", "provider"]),
    (
        "sim_allowance_gb",
        &[
            "simallowancegb",
            "allowancegb",
            "dataallowance",
            "allowance",
            "datagb",
        ],
    ),
    (
        "sim_plan_ends_on",
        &[
            "simplanendson",
            "planendson",
            "planends",
            "planenddate",
            "contractend",
            "contractenddate",
        ],
    ),
    (IGNORED, &["status", "id", "addedon", "created", "createdat"]),
];

const BORROWER_FIELDS: &[(&str, &[&str])] = &[
    (
        "name",
        &[
            "name",
            "fullname",
            "borrower",
            "borrowername",
            "client",
            "clientname",
            "learner",
            "participant",
        ],
    ),
    ("email", &["email", "emailaddress", "mail"]),
    (
        "phone",
        &[
            "phone",
            "phonenumber",
            "telephone",
            "tel",
            "mobile",
            "mobilenumber",
            "contactnumber",
        ],
    ),
    ("address", &["address", "homeaddress", "streetaddress"]),
    ("postcode", &["postcode", "postalcode", "zip", "zipcode"]),
    ("barriers", &["barriers", "barrier", "needs"]),
    ("large_print", &["largeprint"]),
    (
        "preferred_language",
        &["preferredlanguage", "language", "firstlanguage"],
    ),
    (
        "accessibility_needs",
        &["accessibilityneeds", "accessneeds", "accessibility"],
    ),
    ("prefers_phone", &["prefersphone", "phoneonly", "callme"]),
    (
        "referral_source",
        &["referralsource", "referredby", "referral", "source"],
    ),
    (
        IGNORED,
        &["id", "addedon", "created", "createdat", "postcodedistrict"],
    ),
];

/// The columns of a directory spreadsheet, as schemes keep one (a landlord's list of every
/// local partner's services).
const DIRECTORY_FIELDS: &[(&str, &[&str])] = &[
    ("name", &["name", "servicename", "service", "title"]),
    (
        "description",
        &["description", "about", "details", "summary", "whatitoffers"],
    ),
    (
        "impact_areas",
        &[
            "impactareas",
            "impactarea",
            "areasofneed",
            "areas",
            "area",
            "categories",
            "category",
            "themes",
        ],
    ),
    (
        "provider",
        &[
            "provider",
            "organisation",
            "organization",
            "runby",
            "providedby",
            "partner",
        ],
    ),
    ("email", &["email", "emailaddress", "mail"]),
    (
        "phone",
        &["phone", "phonenumber", "telephone", "tel", "contactnumber"],
    ),
    ("url", &["url", "website", "web", "webpage", "link"]),
    (
        "referral_notes",
        &[
            "referralnotes",
            "howtorefer",
            "referral",
            "referrals",
            "referralroute",
        ],
    ),
    (
        "opening_times",
        &["openingtimes", "openinghours", "hours", "opening", "when"],
    ),
    (
        "location_name",
        &["locationname", "location", "venue", "place", "site"],
    ),
    ("address", &["address", "streetaddress"]),
    ("postcode", &["postcode", "postalcode", "zip"]),
    (IGNORED, &["id", "uuid", "lastmodified", "updated"]),
];

/// A header as compared: lower-case letters and digits.
pub(super) fn squash(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
