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

/// Declares a weighted pool of words; the generator files of the model's
/// areas declare theirs with it too.
macro_rules! pool {
    ($(#[$doc:meta])* $name:ident, [$(($v:expr, $w:expr)),* $(,)?]) => {
        pool!($(#[$doc])* pub static $name, [$(($v, $w)),*]);
    };
    ($(#[$doc:meta])* $vis:vis static $name:ident, [$(($v:expr, $w:expr)),* $(,)?]) => {
        $(#[$doc])*
        $vis static $name: $crate::gen::pools::Pool = $crate::gen::pools::Pool {
            values: &[$($v),*],
            words: &[$($crate::gen::pools::Word::new($v)),*],
            weights: &[$($w),*],
            total: 0 $(+ $w)*,
        };
    };
}
pub(super) use pool;

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
/// Criticality weights (low, medium, high, critical) of an item by its
/// environment (in [`ENVIRONMENT`] order): production and its disaster
/// recovery copy are more often critical, development and test rarely.
/// Each row sums to 100.
pub static CRITICALITY_BY_ENV: [[u32; 4]; 5] = [
    [15, 35, 35, 15],
    [40, 42, 15, 3],
    [70, 25, 5, 0],
    [65, 30, 5, 0],
    [10, 30, 40, 20],
];
/// Criticality weights (low, medium, high, critical) by business-service
/// tier (in [`BSVC_TIER`] order): a gold service is critical, so are the
/// applications that support it. Each row sums to 100.
pub static CRITICALITY_BY_TIER: [[u32; 4]; 3] = [[0, 5, 35, 60], [5, 35, 50, 10], [40, 45, 15, 0]];
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
    "US Central",
    "Asia Pacific (Singapore)",
    "EU North",
    "Mexico Central",
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
    "us-central",
    "ap-singapore",
    "eu-north",
    "mx-central",
];
/// Market area of the regions, in the order of [`REGION_NAMES`]; a region
/// beyond the table (`US East 2`) is in the area of its base name.
pub static REGION_GEO: &[&str] = &[
    "AMER", "AMER", "EMEA", "EMEA", "EMEA", "APAC", "APAC", "LATAM", "AMER", "APAC", "EMEA",
    "EMEA", "AMER", "APAC", "EMEA", "LATAM",
];
pool!(
    /// Every city of a data center (the union of [`REGION_CITIES`]).
    CITY,
    [
        ("Ashburn", 10),
        ("New York", 5),
        ("Atlanta", 3),
        ("Portland, OR", 2),
        ("San Jose", 4),
        ("Los Angeles", 3),
        ("Frankfurt", 8),
        ("München", 3),
        ("Zürich", 4),
        ("Dublin", 6),
        ("Amsterdam", 6),
        ("Paris", 5),
        ("London", 8),
        ("Manchester", 2),
        ("東京", 5),
        ("Osaka", 2),
        ("Sydney", 4),
        ("Melbourne", 2),
        ("São Paulo", 4),
        ("Rio de Janeiro", 1),
        ("Montréal", 3),
        ("Toronto", 3),
        ("Mumbai", 4),
        ("Pune", 2),
        ("Dubai", 2),
        ("Abu Dhabi", 1),
        ("Johannesburg", 2),
        ("Cape Town", 1),
        ("Chicago", 5),
        ("Dallas", 5),
        ("Singapore", 6),
        ("Stockholm", 2),
        ("Helsinki", 1),
        ("Querétaro", 1),
    ]
);
/// The cities of each region, in the order of [`REGION_NAMES`]: a data
/// centre is in a city of its region.
pub static REGION_CITIES: &[&[&str]] = &[
    &["Ashburn", "New York", "Atlanta"],
    &["Portland, OR", "San Jose", "Los Angeles"],
    &["Frankfurt", "München", "Zürich"],
    &["Dublin", "Amsterdam", "Paris"],
    &["London", "Manchester"],
    &["東京", "Osaka"],
    &["Sydney", "Melbourne"],
    &["São Paulo", "Rio de Janeiro"],
    &["Montréal", "Toronto"],
    &["Mumbai", "Pune"],
    &["Dubai", "Abu Dhabi"],
    &["Johannesburg", "Cape Town"],
    &["Chicago", "Dallas"],
    &["Singapore"],
    &["Stockholm", "Helsinki"],
    &["Querétaro"],
];
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
    /// Operating system of a physical server: hypervisor hosts (ESXi, and
    /// Windows or Linux with Hyper-V or KVM), bare-metal Linux, Unix.
    OS_PHYSICAL,
    [
        ("VMware ESXi 8.0", 18),
        ("VMware ESXi 7.0", 8),
        ("Red Hat Enterprise Linux 9", 18),
        ("Red Hat Enterprise Linux 8", 12),
        ("Windows Server 2022", 12),
        ("Windows Server 2019", 6),
        ("Ubuntu 22.04 LTS", 8),
        ("SUSE Linux Enterprise 15", 5),
        ("Oracle Linux 8", 4),
        ("AIX 7.3", 3),
    ]
);
pool!(
    /// Operating system of a virtual machine.
    OS_VIRTUAL,
    [
        ("Red Hat Enterprise Linux 9", 22),
        ("Red Hat Enterprise Linux 8", 16),
        ("Ubuntu 22.04 LTS", 16),
        ("Ubuntu 24.04 LTS", 10),
        ("Windows Server 2022", 14),
        ("Windows Server 2019", 10),
        ("SUSE Linux Enterprise 15", 6),
        ("Debian 12", 6),
    ]
);
pool!(
    /// Base image of a container: Linux only.
    OS_CONTAINER,
    [
        ("Alpine Linux 3.20", 25),
        ("Debian 12", 25),
        ("Ubuntu 24.04 LTS", 15),
        ("Ubuntu 22.04 LTS", 10),
        ("Red Hat UBI 9", 15),
        ("Distroless (Debian 12)", 10),
    ]
);
pool!(
    /// Operating system of a cloud instance (the providers' images).
    OS_CLOUD,
    [
        ("Amazon Linux 2023", 30),
        ("Ubuntu 24.04 LTS", 20),
        ("Ubuntu 22.04 LTS", 15),
        ("Windows Server 2022", 15),
        ("Red Hat Enterprise Linux 9", 12),
        ("Debian 12", 8),
    ]
);
/// The operating systems of each server type, in [`SERVER_TYPES`] order.
pub static OS_BY_TYPE: [&Pool; 4] = [&OS_PHYSICAL, &OS_VIRTUAL, &OS_CONTAINER, &OS_CLOUD];
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
/// Environment abbreviations inside names, in [`ENVIRONMENT`] order: a
/// name carries the abbreviation of the item's own environment.
pub static ENV_SHORT: &[&str] = &["prd", "stg", "dev", "tst", "dr"];
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
/// The sum of a weight table, at compile time.
const fn sum(w: &[u32]) -> u64 {
    let mut t = 0;
    let mut k = 0;
    while k < w.len() {
        t += w[k] as u64;
        k += 1;
    }
    t
}

/// One network device model: it belongs to one vendor and one device type.
pub struct DeviceModel {
    /// The `model` column.
    pub model: Word,
    /// The `vendor` column.
    pub vendor: Word,
    /// The model's front-panel port count.
    pub ports: u64,
}

/// The models of one device type, with weights.
pub struct Catalogue {
    /// The models.
    pub models: &'static [DeviceModel],
    /// Their weights (same length).
    pub weights: &'static [u32],
    /// The sum of the weights.
    pub total: u64,
}

impl Catalogue {
    /// The model a 64-bit draw picks.
    #[inline]
    pub fn pick(&self, h: u64) -> &'static DeviceModel {
        &self.models[crate::rng::weighted(h, self.weights, self.total)]
    }
}

macro_rules! catalogue {
    ($(#[$doc:meta])* $name:ident, [$(($m:expr, $v:expr, $p:expr, $w:expr)),* $(,)?]) => {
        $(#[$doc])*
        pub static $name: Catalogue = Catalogue {
            models: &[$(DeviceModel { model: Word::new($m), vendor: Word::new($v), ports: $p }),*],
            weights: &[$($w),*],
            total: sum(&[$($w),*]),
        };
    };
}

catalogue!(
    /// Switch models: (model, vendor, ports, weight).
    SWITCH_MODELS,
    [
        ("Catalyst 9300-48P", "Cisco", 48, 16),
        ("Catalyst 9500-32C", "Cisco", 32, 8),
        ("Nexus 93180YC-FX", "Cisco", 54, 14),
        ("Nexus 9336C-FX2", "Cisco", 36, 8),
        ("EX4650-48Y", "Juniper", 56, 8),
        ("QFX5120-48Y", "Juniper", 56, 6),
        ("7050SX3-48YC8", "Arista", 56, 10),
        ("7280SR3-48YC8", "Arista", 56, 5),
        ("CX 8360-48Y8C", "HPE Aruba", 56, 5),
    ]
);
catalogue!(
    /// Router models: (model, vendor, ports, weight).
    ROUTER_MODELS,
    [
        ("ASR 1001-X", "Cisco", 8, 14),
        ("ISR 4451-X", "Cisco", 4, 12),
        ("ASR 9901", "Cisco", 24, 5),
        ("MX204", "Juniper", 8, 10),
        ("MX480", "Juniper", 48, 4),
        ("7750 SR-1", "Nokia", 24, 3),
    ]
);
catalogue!(
    /// Load balancer models: (model, vendor, ports, weight).
    LOAD_BALANCER_MODELS,
    [
        ("BIG-IP i5800", "F5", 8, 14),
        ("BIG-IP i10800", "F5", 16, 8),
        ("NetScaler MPX 15000", "Citrix", 16, 6),
        ("Thunder 3350S", "A10 Networks", 16, 3),
    ]
);
catalogue!(
    /// Firewall models: (model, vendor, ports, weight).
    FIREWALL_MODELS,
    [
        ("PA-5450", "Palo Alto Networks", 24, 8),
        ("PA-3440", "Palo Alto Networks", 24, 8),
        ("FortiGate 600F", "Fortinet", 22, 8),
        ("FortiGate 1800F", "Fortinet", 40, 4),
        ("Quantum 6600", "Check Point", 10, 5),
        ("Secure Firewall 4145", "Cisco", 16, 4),
        ("SRX4600", "Juniper", 12, 3),
    ]
);
/// The model catalogue of each device type, in [`DEVICE_TYPES`] order.
pub static DEVICE_MODELS: [&Catalogue; 4] = [
    &SWITCH_MODELS,
    &ROUTER_MODELS,
    &LOAD_BALANCER_MODELS,
    &FIREWALL_MODELS,
];

/// What a database engine's rows look like besides its name.
pub struct Engine {
    /// The versions the engine ships, with weights.
    pub versions: &'static Pool,
    /// `size_gb` is a power of two with an exponent in this range.
    pub size_log2: (u64, u64),
    /// `replicas` is in this range (a replica set or ring has several).
    pub replicas: (u64, u64),
}

pool!(
    /// PostgreSQL versions.
    PG_VERSION,
    [("17.2", 15), ("16.6", 25), ("15.10", 20), ("14.15", 15), ("13.18", 10)]);
pool!(
    /// MySQL versions.
    MYSQL_VERSION,
    [("8.0.40", 50), ("8.4.3", 25), ("5.7.44", 25)]);
pool!(
    /// Oracle Database versions.
    ORACLE_VERSION,
    [("19c", 60), ("12c", 20), ("23ai", 20)]);
pool!(
    /// Microsoft SQL Server versions.
    MSSQL_VERSION,
    [("2022", 35), ("2019", 40), ("2017", 15), ("2016", 10)]);
pool!(
    /// MongoDB versions.
    MONGO_VERSION,
    [("8.0", 15), ("7.0", 40), ("6.0", 30), ("5.0", 15)]);
pool!(
    /// Redis versions.
    REDIS_VERSION,
    [("7.4", 25), ("7.2", 40), ("6.2", 35)]);
pool!(
    /// Cassandra versions.
    CASSANDRA_VERSION,
    [("5.0", 15), ("4.1", 45), ("4.0", 25), ("3.11", 15)]);
pool!(
    /// Neo4j versions.
    NEO4J_VERSION,
    [("5.26", 50), ("5.20", 20), ("4.4", 30)]);

/// Each engine's versions, sizes and replicas, in [`DB_ENGINE`] order.
pub static ENGINES: [Engine; 8] = [
    Engine {
        versions: &PG_VERSION,
        size_log2: (3, 13),
        replicas: (0, 3),
    },
    Engine {
        versions: &MYSQL_VERSION,
        size_log2: (2, 12),
        replicas: (0, 3),
    },
    Engine {
        versions: &ORACLE_VERSION,
        size_log2: (5, 15),
        replicas: (0, 2),
    },
    Engine {
        versions: &MSSQL_VERSION,
        size_log2: (4, 14),
        replicas: (0, 3),
    },
    Engine {
        versions: &MONGO_VERSION,
        size_log2: (4, 14),
        replicas: (2, 4),
    },
    Engine {
        versions: &REDIS_VERSION,
        size_log2: (0, 8),
        replicas: (0, 2),
    },
    Engine {
        versions: &CASSANDRA_VERSION,
        size_log2: (7, 16),
        replicas: (2, 5),
    },
    Engine {
        versions: &NEO4J_VERSION,
        size_log2: (2, 11),
        replicas: (0, 2),
    },
];

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
        &CITY,
        &DC_PROVIDER,
        &OS_PHYSICAL,
        &OS_VIRTUAL,
        &OS_CONTAINER,
        &OS_CLOUD,
        &SERVER_ROLE,
        &DB_ENGINE,
        &LANGUAGE,
        &APP_WORD_A,
        &APP_WORD_B,
        &PG_VERSION,
        &MYSQL_VERSION,
        &ORACLE_VERSION,
        &MSSQL_VERSION,
        &MONGO_VERSION,
        &REDIS_VERSION,
        &CASSANDRA_VERSION,
        &NEO4J_VERSION,
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
        for t in TAGS
            .iter()
            .chain(REGION_NAMES)
            .chain(REGION_CODES)
            .chain(ENV_SHORT)
        {
            assert!(clean(t) && !t.is_empty() && !t.contains(','), "{t:?}");
        }
        assert_eq!(REGION_GEO.len(), REGION_NAMES.len());
        assert_eq!(REGION_CITIES.len(), REGION_NAMES.len());
        let mut cities: Vec<&str> = REGION_CITIES
            .iter()
            .flat_map(|c| c.iter().copied())
            .collect();
        assert!(REGION_CITIES.iter().all(|c| !c.is_empty()));
        cities.sort_unstable();
        let mut all = CITY.values.to_vec();
        all.sort_unstable();
        assert_eq!(cities, all, "CITY is the union of REGION_CITIES");
        assert_eq!(REGION_CODES.len(), REGION_NAMES.len());
        assert_eq!(ENV_SHORT.len(), ENVIRONMENT.values.len());
        assert_eq!(CRITICALITY_BY_ENV.len(), ENVIRONMENT.values.len());
        assert_eq!(CRITICALITY_BY_TIER.len(), BSVC_TIER.values.len());
        assert_eq!(OS_BY_TYPE.len(), SERVER_TYPES.len());
        assert_eq!(DEVICE_MODELS.len(), DEVICE_TYPES.len());
        assert_eq!(ENGINES.len(), DB_ENGINE.values.len());
        for w in CRITICALITY_BY_ENV.iter().chain(&CRITICALITY_BY_TIER) {
            assert_eq!(w.len(), CRITICALITY.values.len());
            assert_eq!(w.iter().sum::<u32>(), 100);
        }
        for e in &ENGINES {
            assert!(e.size_log2.0 <= e.size_log2.1 && e.size_log2.1 < 40);
            assert!(e.replicas.0 <= e.replicas.1);
        }
    }

    #[test]
    fn each_device_model_has_one_vendor_and_one_type() {
        let mut seen = std::collections::HashMap::new();
        for (t, c) in DEVICE_MODELS.iter().enumerate() {
            assert_eq!(c.models.len(), c.weights.len());
            assert_eq!(
                c.total,
                c.weights.iter().map(|&w| u64::from(w)).sum::<u64>()
            );
            for m in c.models {
                assert!(m.model.plain && m.vendor.plain, "{}", m.model.text);
                assert!(m.ports > 0);
                let prev = seen.insert(m.model.text, (m.vendor.text, t));
                assert!(prev.is_none(), "{} is listed twice", m.model.text);
            }
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
