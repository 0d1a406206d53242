//! Static value pools with their weights. No pool value contains the array
//! delimiter `;` (it cannot be escaped in Neo4j arrays or labels) or a line
//! break; some contain commas, quotes and non-ASCII text on purpose, so the
//! writers' quoting and UTF-8 handling are exercised on every run.

/// The bytes a [`Word`] keeps padded: the longest word copied in one move.
pub const WORD_PAD: usize = 32;

/// A static string prepared when its pool is built (at compile time): kept
/// zero-padded to [`WORD_PAD`] bytes so a writer can copy it with one
/// fixed-size move, and marked `plain` when CSV writes it as it is (not empty,
/// at most [`WORD_PAD`] bytes, no delimiter, quote or line break, no white
/// space at either end: the negation of `write::csv::needs_quotes`, a test
/// holds them equal).
#[derive(Debug, PartialEq, Eq)]
pub struct Word {
    /// The text.
    pub text: &'static str,
    /// `text` followed by zeroes (only meaningful when `plain`).
    pub padded: [u8; WORD_PAD],
    /// Whether CSV writes `text` unquoted and `padded` holds all of it.
    pub plain: bool,
}

impl Word {
    /// Prepares `text`.
    pub const fn new(text: &'static str) -> Word {
        let b = text.as_bytes();
        let mut padded = [0u8; WORD_PAD];
        let mut plain = !b.is_empty() && b.len() <= WORD_PAD;
        if plain {
            plain = b[0] > b' ' && b[b.len() - 1] > b' ';
            let mut i = 0;
            while i < b.len() {
                let c = b[i];
                if c == b',' || c == b'"' || c == b'\n' || c == b'\r' {
                    plain = false;
                }
                padded[i] = c;
                i += 1;
            }
        }
        Word {
            text,
            padded,
            plain,
        }
    }
}

/// A weighted pool of static strings.
pub struct Pool {
    /// The values.
    pub values: &'static [&'static str],
    /// The same values, prepared for writing (same order).
    pub words: &'static [Word],
    /// Their integer weights (same length).
    pub weights: &'static [u32],
    /// The sum of the weights.
    pub total: u64,
}

impl Pool {
    /// Picks a value for a 64-bit draw.
    #[inline]
    pub fn pick(&self, h: u64) -> &'static str {
        self.values[crate::rng::weighted(h, self.weights, self.total)]
    }

    /// The value [`Pool::pick`] picks for `h`, prepared for writing.
    #[inline]
    pub fn pick_word(&self, h: u64) -> &'static Word {
        &self.words[crate::rng::weighted(h, self.weights, self.total)]
    }
}

macro_rules! pool {
    ($(#[$doc:meta])* $name:ident, [$(($v:expr, $w:expr)),* $(,)?]) => {
        $(#[$doc])*
        pub static $name: Pool = Pool {
            values: &[$($v),*],
            words: &[$(Word::new($v)),*],
            weights: &[$($w),*],
            total: 0 $(+ $w)*,
        };
    };
}

pool!(
    /// Lifecycle status of a configuration item (mostly active).
    CI_STATUS,
    [
        ("active", 80),
        ("maintenance", 8),
        ("retired", 5),
        ("planned", 7)
    ]
);
pool!(
    /// Business criticality of a configuration item; few are critical.
    CRITICALITY,
    [("low", 35), ("medium", 40), ("high", 20), ("critical", 5)]
);
pool!(
    /// Deployment environment of a configuration item, production first.
    ENVIRONMENT,
    [
        ("production", 45),
        ("staging", 15),
        ("development", 20),
        ("test", 15),
        ("disaster-recovery", 5)
    ]
);
pool!(
    /// Team that owns a configuration item.
    OWNER_TEAM,
    [
        ("platform-engineering", 10),
        ("site-reliability", 8),
        ("network-operations", 6),
        ("database-administration", 6),
        ("payments", 5),
        ("identity-and-access", 4),
        ("customer-portal", 5),
        ("data-platform", 6),
        ("security-operations", 4),
        ("end-user-computing", 3),
        ("erp-team", 4),
        ("mobile", 4),
        ("search", 3),
        ("billing", 4),
        ("logistics", 3),
        ("analytics", 5),
        ("infrastructure", 9),
        ("cloud-center-of-excellence", 3),
        ("Équipe Paris", 2),
        ("München Ops", 2),
    ]
);
/// Tags: a node gets a subset; bit k of a mask selects `TAGS[k]`.
pub static TAGS: &[&str] = &[
    "pci",
    "sox",
    "gdpr",
    "hipaa",
    "internet-facing",
    "legacy",
    "tier-1",
    "monitored",
    "backup",
    "k8s",
    "terraform",
    "ansible",
    "cost-center-17",
    "eol-2027",
    "ha",
    "dr-tested",
];
pool!(
    /// Market area of a region (EMEA, AMER, ...).
    GEO,
    [("EMEA", 35), ("AMER", 40), ("APAC", 20), ("LATAM", 5)]
);
/// Region base names; beyond the pool, a number is appended.
pub static REGION_NAMES: &[&str] = &[
    "US East",
    "US West",
    "EU Central",
    "EU West",
    "UK South",
    "Asia Pacific (Tokyo)",
    "Asia Pacific (Sydney)",
    "South America (São Paulo)",
    "Canada Central",
    "India West",
    "Middle East (UAE)",
    "Africa (Cape Town)",
];
/// Short codes of the regions, in the order of [`REGION_NAMES`].
pub static REGION_CODES: &[&str] = &[
    "us-east",
    "us-west",
    "eu-central",
    "eu-west",
    "uk-south",
    "ap-tokyo",
    "ap-sydney",
    "sa-saopaulo",
    "ca-central",
    "in-west",
    "me-uae",
    "af-capetown",
];
pool!(
    /// City of a data center.
    CITY,
    [
        ("Ashburn", 10),
        ("Frankfurt", 8),
        ("London", 8),
        ("Dublin", 6),
        ("Zürich", 4),
        ("München", 3),
        ("São Paulo", 4),
        ("東京", 5),
        ("Singapore", 6),
        ("Sydney", 4),
        ("Chicago", 5),
        ("Dallas", 5),
        ("Paris", 5),
        ("Amsterdam", 6),
        ("Mumbai", 4),
        ("Montréal", 3),
        ("Johannesburg", 2),
        ("Dubai", 2),
        ("Seoul", 3),
        ("Portland, OR", 2),
    ]
);
pool!(
    /// Operator of a data center (own, colocation or cloud).
    DC_PROVIDER,
    [
        ("owned", 30),
        ("colocation", 25),
        ("aws", 20),
        ("azure", 15),
        ("gcp", 10)
    ]
);
pool!(
    /// Operating system of a server.
    OS,
    [
        ("Red Hat Enterprise Linux 9", 20),
        ("Red Hat Enterprise Linux 8", 15),
        ("Ubuntu 22.04 LTS", 18),
        ("Ubuntu 24.04 LTS", 10),
        ("Windows Server 2022", 12),
        ("Windows Server 2019", 8),
        ("SUSE Linux Enterprise 15", 5),
        ("Amazon Linux 2023", 7),
        ("Debian 12", 4),
        ("AIX 7.3", 1),
    ]
);
pool!(
    /// Role word that starts a server name.
    SERVER_ROLE,
    [
        ("web", 20),
        ("app", 25),
        ("db", 12),
        ("cache", 6),
        ("batch", 8),
        ("k8s-node", 15),
        ("file", 4),
        ("mq", 4),
        ("proxy", 6),
    ]
);
pool!(
    /// Environment abbreviation inside host names.
    ENV_SHORT,
    [
        ("prd", 45),
        ("stg", 15),
        ("dev", 20),
        ("tst", 15),
        ("dr", 5)
    ]
);
pool!(
    /// Vendor of a network device.
    NET_VENDOR,
    [
        ("Cisco", 40),
        ("Juniper", 15),
        ("Arista", 15),
        ("Palo Alto Networks", 10),
        ("F5", 8),
        ("Fortinet", 7),
        ("Check Point", 5),
    ]
);
pool!(
    /// Model of a network device.
    NET_MODEL,
    [
        ("Nexus 9300", 15),
        ("Catalyst 9500", 15),
        ("ASR 1001-X", 8),
        ("MX204", 8),
        ("7050X3", 10),
        ("PA-5450", 6),
        ("BIG-IP i5800", 6),
        ("FortiGate 600F", 6),
        ("QFX5120", 8),
        ("Quantum 6600", 4),
        ("EX4650", 8),
        ("ISR 4451", 6),
    ]
);
pool!(
    /// Firmware version of a network device.
    FIRMWARE,
    [
        ("17.9.4", 20),
        ("10.2.8", 15),
        ("4.30.2F", 15),
        ("22.4R3", 15),
        ("7.2.6", 10),
        ("11.1.2", 10),
        ("16.12.10", 15)
    ]
);
pool!(
    /// Engine of a database.
    DB_ENGINE,
    [
        ("PostgreSQL", 30),
        ("MySQL", 18),
        ("Oracle Database", 14),
        ("Microsoft SQL Server", 14),
        ("MongoDB", 9),
        ("Redis", 7),
        ("Cassandra", 4),
        ("Neo4j", 4),
    ]
);
pool!(
    /// Version of a database engine.
    DB_VERSION,
    [
        ("16.4", 20),
        ("15.8", 15),
        ("8.0.39", 15),
        ("19c", 12),
        ("2022", 12),
        ("7.0", 10),
        ("7.2", 8),
        ("5.26", 8)
    ]
);
pool!(
    /// Implementation language of an application.
    LANGUAGE,
    [
        ("Java", 30),
        ("Python", 20),
        ("Go", 12),
        ("JavaScript", 12),
        ("C#", 10),
        ("Rust", 4),
        ("Ruby", 3),
        ("Kotlin", 4),
        ("COBOL", 2),
        ("PHP", 3),
    ]
);
pool!(
    /// First word of an application name.
    APP_WORD_A,
    [
        ("Customer", 10),
        ("Order", 10),
        ("Payment", 8),
        ("Inventory", 8),
        ("Shipping", 6),
        ("Identity", 6),
        ("Pricing", 5),
        ("Catalog", 6),
        ("Claims", 4),
        ("Ledger", 5),
        ("Notification", 6),
        ("Reporting", 6),
        ("Fraud", 4),
        ("Loyalty", 3),
        ("HR", 3),
        ("Search", 5),
        ("Recommendation", 3),
    ]
);
pool!(
    /// Second word of an application name.
    APP_WORD_B,
    [
        ("Portal", 10),
        ("Gateway", 10),
        ("Service", 20),
        ("Engine", 8),
        ("Hub", 6),
        ("Sync", 5),
        ("Processor", 8),
        ("Store", 6),
        ("Scheduler", 5),
        ("Exporter", 4),
    ]
);
pool!(
    /// Base name of a business service.
    BSVC_NAME,
    [
        ("Online Banking", 8),
        ("Billing, Invoicing and Collections", 6),
        ("Order to Cash", 8),
        ("Customer Onboarding", 6),
        ("\"Gold\" Support Line", 3),
        ("Payroll", 5),
        ("E-Commerce Storefront", 8),
        ("Supply Chain Visibility", 5),
        ("Claims Processing", 5),
        ("Field Service", 4),
        ("Data Warehouse", 6),
        ("Single Sign-On", 6),
        ("Email & Collaboration", 6),
        ("Trading Platform", 3),
        ("Mobile App", 7),
    ]
);
pool!(
    /// Service tier of a business service.
    BSVC_TIER, [("gold", 20), ("silver", 45), ("bronze", 35)]);
pool!(
    /// Description of a business service (some need CSV quoting).
    BSVC_DESC,
    [
        ("Customer-facing, revenue critical", 20),
        ("Internal, business hours only", 25),
        ("Regulated: audited quarterly, \"SOX\" scope", 10),
        ("Shared platform used by many teams", 25),
        ("Being replaced in FY27", 10),
        ("Runs in two regions, failover tested monthly", 10),
    ]
);
pool!(
    /// Kind of an application dependency (on a database or another application).
    DEP_TYPE,
    [("synchronous", 60), ("asynchronous", 30), ("batch", 10)]
);
pool!(
    /// Severity of an event.
    SEVERITY,
    [
        ("info", 30),
        ("warning", 35),
        ("minor", 18),
        ("major", 12),
        ("critical", 5)
    ]
);
pool!(
    /// Status of an event.
    EVENT_STATUS,
    [
        ("open", 15),
        ("acknowledged", 10),
        ("resolved", 45),
        ("closed", 30)
    ]
);
pool!(
    /// Title of an alert event.
    ALERT_TITLE,
    [
        ("CPU utilisation above 90%", 20),
        ("Disk usage above 85%", 18),
        ("Memory pressure", 12),
        ("Heartbeat missed", 10),
        ("Latency p99 above SLO", 12),
        ("Error rate above 2%", 10),
        ("Certificate expires in 14 days", 6),
        ("Replication lag above 30s", 6),
        ("Interface down", 6),
    ]
);
pool!(
    /// Title of an incident event.
    INCIDENT_TITLE,
    [
        ("Service unavailable", 20),
        ("Degraded performance", 30),
        ("Data inconsistency reported", 10),
        ("Failed deployment, rolled back", 15),
        ("Network partition between zones", 10),
        ("Login failures for some users", 15),
    ]
);
pool!(
    /// Title of a change event.
    CHANGE_TITLE,
    [
        ("Patch OS to latest baseline", 30),
        ("Upgrade database minor version", 15),
        ("Rotate TLS certificates", 15),
        ("Scale out cluster", 15),
        ("Firewall rule change", 15),
        ("Decommission legacy host", 10),
    ]
);

/// Server subtypes: `server_type` value and label.
pub static SERVER_TYPES: &[(&str, &str)] = &[
    ("physical", "PhysicalServer"),
    ("virtual", "VirtualServer"),
    ("container", "Container"),
    ("cloud", "CloudInstance"),
];
/// Weights of [`SERVER_TYPES`], in percent.
pub static SERVER_TYPE_WEIGHTS: &[u32] = &[15, 45, 20, 20];
/// Network device subtypes: `device_type` value and label.
pub static DEVICE_TYPES: &[(&str, &str)] = &[
    ("switch", "Switch"),
    ("router", "Router"),
    ("load_balancer", "LoadBalancer"),
    ("firewall", "Firewall"),
];
/// Weights of [`DEVICE_TYPES`], in percent.
pub static DEVICE_TYPE_WEIGHTS: &[u32] = &[50, 20, 15, 15];
/// Application subtypes: `app_type` value and label.
pub static APP_TYPES: &[(&str, &str)] = &[
    ("web", "WebApplication"),
    ("api", "APIService"),
    ("batch", "BatchJob"),
];
/// Weights of [`APP_TYPES`], in percent.
pub static APP_TYPE_WEIGHTS: &[u32] = &[35, 45, 20];
/// Event types: `event_type` value and label.
pub static EVENT_TYPES: &[(&str, &str)] = &[
    ("alert", "Alert"),
    ("incident", "Incident"),
    ("change", "Change"),
];

/// Every pool, for the tests that check their values.
pub fn all_pools() -> Vec<&'static Pool> {
    vec![
        &CI_STATUS,
        &CRITICALITY,
        &ENVIRONMENT,
        &OWNER_TEAM,
        &GEO,
        &CITY,
        &DC_PROVIDER,
        &OS,
        &SERVER_ROLE,
        &ENV_SHORT,
        &NET_VENDOR,
        &NET_MODEL,
        &FIRMWARE,
        &DB_ENGINE,
        &DB_VERSION,
        &LANGUAGE,
        &APP_WORD_A,
        &APP_WORD_B,
        &BSVC_NAME,
        &BSVC_TIER,
        &BSVC_DESC,
        &DEP_TYPE,
        &SEVERITY,
        &EVENT_STATUS,
        &ALERT_TITLE,
        &INCIDENT_TITLE,
        &CHANGE_TITLE,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeKind;

    fn clean(s: &str) -> bool {
        !s.contains(';') && !s.contains('\n') && !s.contains('\r')
    }

    #[test]
    fn pools_are_consistent_and_clean() {
        for p in all_pools() {
            assert_eq!(p.values.len(), p.weights.len());
            assert_eq!(
                p.total,
                p.weights.iter().map(|&w| u64::from(w)).sum::<u64>()
            );
            assert!(p.total > 0);
            for v in p.values {
                assert!(clean(v), "{v:?}");
            }
        }
        for t in TAGS.iter().chain(REGION_NAMES).chain(REGION_CODES) {
            assert!(clean(t) && !t.is_empty() && !t.contains(','), "{t:?}");
        }
        for k in NodeKind::ALL {
            for set in k.label_sets() {
                for l in *set {
                    assert!(l.bytes().all(|b| b.is_ascii_alphanumeric()), "{l}");
                }
            }
        }
    }
}
