//! The data model: the one table of node kinds, relationship families and their
//! columns. Header files, the Parquet schema, docs/model.md and the validator
//! are all derived from the tables in this file.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A Neo4j property type as written in an import header (`name:type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PropType {
    /// `string` (written without a type suffix).
    String,
    /// `int` (stored as long after Neo4j's type normalisation).
    Int,
    /// `long`.
    Long,
    /// `double`.
    Double,
    /// `boolean`: exactly `true` or `false`.
    Boolean,
    /// `datetime`: ISO-8601 with a `Z` offset.
    DateTime,
    /// `string[]`: elements joined by the array delimiter `;`.
    StringArray,
}

impl PropType {
    /// Whether the type is temporal: neo4j-admin 5.0 to 5.5 cannot read an
    /// empty field of it (see `write::companion`).
    pub fn is_temporal(self) -> bool {
        matches!(self, PropType::DateTime)
    }

    /// The header suffix, without the colon (`None` for plain strings).
    pub fn header_suffix(self) -> Option<&'static str> {
        match self {
            PropType::String => None,
            PropType::Int => Some("int"),
            PropType::Long => Some("long"),
            PropType::Double => Some("double"),
            PropType::Boolean => Some("boolean"),
            PropType::DateTime => Some("datetime"),
            PropType::StringArray => Some("string[]"),
        }
    }
}

/// What a column is, in neo4j-admin's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColKind {
    /// `name:ID(Group)`: the node's id in its kind's ID group, stored as `name`.
    Id,
    /// `:LABEL`: labels joined by `;`.
    Label,
    /// `:START_ID(Group)`.
    StartId,
    /// `:END_ID(Group)`.
    EndId,
    /// A property.
    Prop(PropType),
}

/// A column of a node or relationship file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Property name (empty for `:LABEL`, `:START_ID`, `:END_ID`).
    pub name: &'static str,
    /// What the column is.
    pub kind: ColKind,
}

const fn prop(name: &'static str, ty: PropType) -> Column {
    Column {
        name,
        kind: ColKind::Prop(ty),
    }
}

const fn s(name: &'static str) -> Column {
    prop(name, PropType::String)
}

/// The kinds of node. Every kind except [`NodeKind::Event`] is a configuration
/// item and also carries the label `ConfigurationItem`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NodeKind {
    /// A geographic region.
    Region,
    /// A data centre, located in a region.
    DataCenter,
    /// A physical, virtual, container or cloud server, hosted in a data centre.
    Server,
    /// A switch, router, load balancer or firewall, hosted in a data centre.
    NetworkDevice,
    /// A database instance, running on a server.
    Database,
    /// A web application, API service or batch job.
    Application,
    /// A business service, supported by applications.
    BusinessService,
    /// An alert, incident or change affecting a configuration item.
    Event,
    /// A business application (CSDM): the portfolio entry that deployed
    /// applications are instances of.
    BusinessApplication,
    /// A support or owner team (an assignment group); not a configuration
    /// item.
    Group,
    /// A software product installed on a server; not a configuration item.
    SoftwareInstall,
    /// A cluster of servers or databases (a failover or compute cluster),
    /// hosted in a data centre.
    Cluster,
    /// A storage array (a SAN or NAS system), hosted in a data centre.
    StorageArray,
    /// A volume (a LUN or file share) carved out of a storage array.
    StorageVolume,
    /// A server's network interface (a NIC, with a MAC address); not a
    /// configuration item of its own: it follows its server.
    NetworkInterface,
    /// An IP address bound to a network interface, inside a subnet; not a
    /// configuration item of its own: it follows its interface.
    IPAddress,
    /// An IP subnet (a CIDR block) of a site's network.
    Subnet,
    /// One source's report of a configuration item, written only by the
    /// `keep-all` merge strategy (docs/sources.md); not a profile kind.
    SourceRecord,
    /// A cloud provider account (subscription, project) that cloud servers
    /// belong to.
    CloudAccount,
    /// A cloud availability zone, located in a region.
    AvailabilityZone,
    /// A Kubernetes cluster, hosted in a data centre, its nodes a slice of
    /// the data centre's container servers.
    KubernetesCluster,
    /// A namespace of a Kubernetes cluster.
    Namespace,
    /// A pod: a running replica of an application, in a namespace, on a
    /// node of its cluster.
    Pod,
}

impl NodeKind {
    /// The kind's position in [`NodeKind::ALL`] (the declaration order,
    /// checked at compile time), for per-kind arrays.
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// All kinds, in output order.
    pub const ALL: [NodeKind; 23] = [
        NodeKind::Region,
        NodeKind::DataCenter,
        NodeKind::Server,
        NodeKind::NetworkDevice,
        NodeKind::Database,
        NodeKind::Application,
        NodeKind::BusinessService,
        NodeKind::Event,
        NodeKind::BusinessApplication,
        NodeKind::Group,
        NodeKind::SoftwareInstall,
        NodeKind::Cluster,
        NodeKind::StorageArray,
        NodeKind::StorageVolume,
        NodeKind::NetworkInterface,
        NodeKind::IPAddress,
        NodeKind::Subnet,
        NodeKind::SourceRecord,
        NodeKind::CloudAccount,
        NodeKind::AvailabilityZone,
        NodeKind::KubernetesCluster,
        NodeKind::Namespace,
        NodeKind::Pod,
    ];

    /// The kinds of an estate: what a profile counts and sources report
    /// (every kind but [`NodeKind::SourceRecord`], in [`NodeKind::ALL`]
    /// order; kinds added later follow it so that existing kinds keep their
    /// indices and streams).
    pub const ESTATE: [NodeKind; NodeKind::ALL.len() - 1] = {
        let mut kinds = [NodeKind::Region; NodeKind::ALL.len() - 1];
        let (mut k, mut at) = (0, 0);
        while k < Self::ALL.len() {
            if !matches!(Self::ALL[k], NodeKind::SourceRecord) {
                kinds[at] = Self::ALL[k];
                at += 1;
            }
            k += 1;
        }
        assert!(at == kinds.len());
        kinds
    };

    /// The kind's name: its primary label, its ID group and its profile key.
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Region => "Region",
            NodeKind::DataCenter => "DataCenter",
            NodeKind::Server => "Server",
            NodeKind::NetworkDevice => "NetworkDevice",
            NodeKind::Database => "Database",
            NodeKind::Application => "Application",
            NodeKind::BusinessService => "BusinessService",
            NodeKind::Event => "Event",
            NodeKind::BusinessApplication => "BusinessApplication",
            NodeKind::Group => "Group",
            NodeKind::SoftwareInstall => "SoftwareInstall",
            NodeKind::Cluster => "Cluster",
            NodeKind::StorageArray => "StorageArray",
            NodeKind::StorageVolume => "StorageVolume",
            NodeKind::NetworkInterface => "NetworkInterface",
            NodeKind::IPAddress => "IPAddress",
            NodeKind::Subnet => "Subnet",
            NodeKind::SourceRecord => "SourceRecord",
            NodeKind::CloudAccount => "CloudAccount",
            NodeKind::AvailabilityZone => "AvailabilityZone",
            NodeKind::KubernetesCluster => "KubernetesCluster",
            NodeKind::Namespace => "Namespace",
            NodeKind::Pod => "Pod",
        }
    }

    /// Parses a kind's name.
    pub fn from_name(s: &str) -> Option<NodeKind> {
        NodeKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The prefix of the kind's string ids (`srv-000000042`).
    pub fn id_prefix(self) -> &'static str {
        match self {
            NodeKind::Region => "reg-",
            NodeKind::DataCenter => "dc-",
            NodeKind::Server => "srv-",
            NodeKind::NetworkDevice => "net-",
            NodeKind::Database => "db-",
            NodeKind::Application => "app-",
            NodeKind::BusinessService => "bsvc-",
            NodeKind::Event => "evt-",
            NodeKind::BusinessApplication => "bapp-",
            NodeKind::Group => "grp-",
            NodeKind::SoftwareInstall => "swi-",
            NodeKind::Cluster => "cls-",
            NodeKind::StorageArray => "sto-",
            NodeKind::StorageVolume => "vol-",
            NodeKind::NetworkInterface => "nic-",
            NodeKind::IPAddress => "ip-",
            NodeKind::Subnet => "subnet-",
            NodeKind::SourceRecord => "sr-",
            NodeKind::CloudAccount => "acct-",
            NodeKind::AvailabilityZone => "az-",
            NodeKind::KubernetesCluster => "k8s-",
            NodeKind::Namespace => "ns-",
            NodeKind::Pod => "pod-",
        }
    }

    /// Whether the kind is a configuration item (label `ConfigurationItem`).
    pub fn is_ci(self) -> bool {
        !matches!(
            self,
            NodeKind::Event
                | NodeKind::Group
                | NodeKind::SoftwareInstall
                | NodeKind::SourceRecord
                | NodeKind::NetworkInterface
                | NodeKind::IPAddress
        )
    }

    /// The family of this configuration-item kind's `REPORTED_BY`
    /// relationships (keep-all), if it is a configuration item.
    pub fn reported_by(self) -> Option<RelKind> {
        RelKind::REPORTED_BY
            .into_iter()
            .find(|r| r.spec().start == self)
    }

    /// The kind's columns under a provenance, in file order.
    pub fn columns(self, p: Provenance) -> &'static [Column] {
        columns_of(Table::Node(self), p)
    }

    /// Every column the kind can have (`Provenance::Full`).
    fn full_columns(self) -> &'static [Column] {
        match self {
            NodeKind::Region => REGION,
            NodeKind::DataCenter => DATACENTER,
            NodeKind::Server => SERVER,
            NodeKind::NetworkDevice => NETWORK_DEVICE,
            NodeKind::Database => DATABASE,
            NodeKind::Application => APPLICATION,
            NodeKind::BusinessService => BUSINESS_SERVICE,
            NodeKind::Event => EVENT,
            NodeKind::BusinessApplication => BUSINESS_APPLICATION,
            NodeKind::Group => GROUP,
            NodeKind::SoftwareInstall => SOFTWARE_INSTALL,
            NodeKind::Cluster => CLUSTER,
            NodeKind::StorageArray => STORAGE_ARRAY,
            NodeKind::StorageVolume => STORAGE_VOLUME,
            NodeKind::NetworkInterface => NETWORK_INTERFACE,
            NodeKind::IPAddress => IP_ADDRESS,
            NodeKind::Subnet => SUBNET,
            NodeKind::SourceRecord => SOURCE_RECORD,
            NodeKind::CloudAccount => CLOUD_ACCOUNT,
            NodeKind::AvailabilityZone => AVAILABILITY_ZONE,
            NodeKind::KubernetesCluster => KUBERNETES_CLUSTER,
            NodeKind::Namespace => NAMESPACE,
            NodeKind::Pod => POD,
        }
    }

    /// Every label set a node of this kind may carry.
    pub fn label_sets(self) -> &'static [&'static [&'static str]] {
        match self {
            NodeKind::Region => REGION_LABELS,
            NodeKind::DataCenter => DATACENTER_LABELS,
            NodeKind::Server => SERVER_LABELS,
            NodeKind::NetworkDevice => DEVICE_LABELS,
            NodeKind::Database => DATABASE_LABELS,
            NodeKind::Application => APP_LABELS,
            NodeKind::BusinessService => BSVC_LABELS,
            NodeKind::Event => EVENT_LABELS,
            NodeKind::BusinessApplication => BAPP_LABELS,
            NodeKind::Group => GROUP_LABELS,
            NodeKind::SoftwareInstall => SOFTWARE_INSTALL_LABELS,
            NodeKind::Cluster => CLUSTER_LABELS,
            NodeKind::StorageArray => STORAGE_ARRAY_LABELS,
            NodeKind::StorageVolume => STORAGE_VOLUME_LABELS,
            NodeKind::NetworkInterface => NETWORK_INTERFACE_LABELS,
            NodeKind::IPAddress => IP_ADDRESS_LABELS,
            NodeKind::Subnet => SUBNET_LABELS,
            NodeKind::SourceRecord => SOURCE_RECORD_LABELS,
            NodeKind::CloudAccount => CLOUD_ACCOUNT_LABELS,
            NodeKind::AvailabilityZone => AVAILABILITY_ZONE_LABELS,
            NodeKind::KubernetesCluster => KUBERNETES_CLUSTER_LABELS,
            NodeKind::Namespace => NAMESPACE_LABELS,
            NodeKind::Pod => POD_LABELS,
        }
    }
}

/// Label sets (`:LABEL` values) per kind, indexed by subtype.
pub static REGION_LABELS: &[&[&str]] = &[&["ConfigurationItem", "Region"]];
/// A data center has one label set.
pub static DATACENTER_LABELS: &[&[&str]] = &[&["ConfigurationItem", "DataCenter"]];
/// One set per server type, in the order of `gen::pools::SERVER_TYPES`,
/// then the physical servers that host virtual ones ([`HYPERVISOR_LABELS`]).
pub static SERVER_LABELS: &[&[&str]] = &[
    &["ConfigurationItem", "Server", "PhysicalServer"],
    &["ConfigurationItem", "Server", "VirtualServer"],
    &["ConfigurationItem", "Server", "Container"],
    &["ConfigurationItem", "Server", "CloudInstance"],
    HYPERVISOR_LABELS,
];
/// A hypervisor host: a physical server that virtual servers are
/// `VIRTUALIZED_BY` (the last of [`SERVER_LABELS`]).
pub static HYPERVISOR_LABELS: &[&str] = &[
    "ConfigurationItem",
    "Server",
    "PhysicalServer",
    "Hypervisor",
];
/// One set per network device type, in the order of `gen::pools::DEVICE_TYPES`.
pub static DEVICE_LABELS: &[&[&str]] = &[
    &["ConfigurationItem", "NetworkDevice", "Switch"],
    &["ConfigurationItem", "NetworkDevice", "Router"],
    &["ConfigurationItem", "NetworkDevice", "LoadBalancer"],
    &["ConfigurationItem", "NetworkDevice", "Firewall"],
];
/// A database has one label set.
pub static DATABASE_LABELS: &[&[&str]] = &[&["ConfigurationItem", "Database"]];
/// One set per application type, in the order of `gen::pools::APP_TYPES`.
pub static APP_LABELS: &[&[&str]] = &[
    &["ConfigurationItem", "Application", "WebApplication"],
    &["ConfigurationItem", "Application", "APIService"],
    &["ConfigurationItem", "Application", "BatchJob"],
];
/// A business service has one label set.
pub static BSVC_LABELS: &[&[&str]] = &[&["ConfigurationItem", "BusinessService"]];
/// One set per event type, in the order of `gen::pools::EVENT_TYPES`.
pub static EVENT_LABELS: &[&[&str]] = &[
    &["Event", "Alert"],
    &["Event", "Incident"],
    &["Event", "Change"],
];
/// A business application has one label set.
pub static BAPP_LABELS: &[&[&str]] = &[&["ConfigurationItem", "BusinessApplication"]];
/// A group has one label set (it is not a configuration item).
pub static GROUP_LABELS: &[&[&str]] = &[&["Group"]];
/// A software install has one label set (it is not a configuration item).
pub static SOFTWARE_INSTALL_LABELS: &[&[&str]] = &[&["SoftwareInstall"]];
/// A cluster has one label set.
pub static CLUSTER_LABELS: &[&[&str]] = &[&["ConfigurationItem", "Cluster"]];
/// A storage array has one label set.
pub static STORAGE_ARRAY_LABELS: &[&[&str]] = &[&["ConfigurationItem", "StorageArray"]];
/// A storage volume has one label set.
pub static STORAGE_VOLUME_LABELS: &[&[&str]] = &[&["ConfigurationItem", "StorageVolume"]];
/// A network interface has one label set (it is not a configuration item).
pub static NETWORK_INTERFACE_LABELS: &[&[&str]] = &[&["NetworkInterface"]];
/// An IP address has one label set (it is not a configuration item).
pub static IP_ADDRESS_LABELS: &[&[&str]] = &[&["IPAddress"]];
/// A subnet has one label set.
pub static SUBNET_LABELS: &[&[&str]] = &[&["ConfigurationItem", "Subnet"]];

/// The one label set of a `SourceRecord`.
pub static SOURCE_RECORD_LABELS: &[&[&str]] = &[&["SourceRecord"]];
/// A cloud account has one label set.
pub static CLOUD_ACCOUNT_LABELS: &[&[&str]] = &[&["ConfigurationItem", "CloudAccount"]];
/// An availability zone has one label set.
pub static AVAILABILITY_ZONE_LABELS: &[&[&str]] = &[&["ConfigurationItem", "AvailabilityZone"]];
/// A Kubernetes cluster has one label set.
pub static KUBERNETES_CLUSTER_LABELS: &[&[&str]] = &[&["ConfigurationItem", "KubernetesCluster"]];
/// A namespace has one label set.
pub static NAMESPACE_LABELS: &[&[&str]] = &[&["ConfigurationItem", "Namespace"]];
/// A pod has one label set.
pub static POD_LABELS: &[&[&str]] = &[&["ConfigurationItem", "Pod"]];

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const ID: Column = Column {
    name: "id",
    kind: ColKind::Id,
};
const LABEL: Column = Column {
    name: "",
    kind: ColKind::Label,
};

macro_rules! ci_columns {
    ($($extra:expr),* $(,)?) => {
        &[
            ID,
            LABEL,
            s("name"),
            s("status"),
            s("install_status"),
            s("operational_status"),
            s("criticality"),
            s("environment"),
            s("owner_team"),
            prop("created_at", PropType::DateTime),
            prop("first_discovered", PropType::DateTime),
            prop("last_discovered", PropType::DateTime),
            prop("status_since", PropType::DateTime),
            prop("tags", PropType::StringArray),
            s("source"),
            SOURCES,
            OBSERVED_AT,
            $($extra,)*
        ]
    };
}

const REGION: &[Column] = ci_columns![s("geo"), s("code")];
const DATACENTER: &[Column] = ci_columns![s("city"), prop("tier", PropType::Int), s("provider")];
const SERVER: &[Column] = ci_columns![
    s("server_type"),
    s("os"),
    // Double, not int: a container's limits are fractions of a core and of
    // a GiB (0.25 cores, 0.5 GB), and one column keeps one type for every
    // server, which is what an import and a query expect.
    prop("cpu_cores", PropType::Double),
    prop("memory_gb", PropType::Double),
    prop("cost", PropType::Double),
    s("ip"),
];
const NETWORK_DEVICE: &[Column] = ci_columns![
    s("device_type"),
    s("vendor"),
    s("model"),
    s("ip"),
    prop("port_count", PropType::Int),
];
const DATABASE: &[Column] = ci_columns![
    s("engine"),
    s("engine_version"),
    prop("size_gb", PropType::Int),
    prop("replicas", PropType::Int),
    prop("encrypted", PropType::Boolean),
];
const APPLICATION: &[Column] = ci_columns![
    s("app_type"),
    s("language"),
    s("version"),
    prop("users", PropType::Long),
    prop("cost", PropType::Double),
];
const BUSINESS_SERVICE: &[Column] = ci_columns![
    s("service_tier"),
    prop("revenue_impact", PropType::Double),
    s("description"),
];
const EVENT: &[Column] = &[
    ID,
    LABEL,
    s("title"),
    s("event_type"),
    s("severity"),
    s("status"),
    prop("occurred_at", PropType::DateTime),
    prop("duration_min", PropType::Int),
    s("source"),
    SOURCES,
    OBSERVED_AT,
];
const BUSINESS_APPLICATION: &[Column] = ci_columns![s("architecture_type"), s("install_type")];
const GROUP: &[Column] = &[
    ID,
    LABEL,
    s("name"),
    s("group_type"),
    s("cost_center"),
    s("source"),
    SOURCES,
    OBSERVED_AT,
];
const SOFTWARE_INSTALL: &[Column] = &[
    ID,
    LABEL,
    s("product"),
    s("vendor"),
    s("version"),
    prop("installed_at", PropType::DateTime),
    s("source"),
    SOURCES,
    OBSERVED_AT,
];
const CLUSTER: &[Column] = ci_columns![s("cluster_type"), prop("ha_enabled", PropType::Boolean),];
const STORAGE_ARRAY: &[Column] =
    ci_columns![s("vendor"), s("model"), prop("capacity_gb", PropType::Long),];
const STORAGE_VOLUME: &[Column] = ci_columns![prop("size_gb", PropType::Long), s("protocol")];
const NETWORK_INTERFACE: &[Column] = &[
    ID,
    LABEL,
    s("name"),
    s("mac_address"),
    s("vendor"),
    prop("speed_mbps", PropType::Int),
    s("source"),
    SOURCES,
    OBSERVED_AT,
];
const IP_ADDRESS: &[Column] = &[
    ID,
    LABEL,
    s("address"),
    prop("ip_version", PropType::Int),
    s("assignment"),
    s("source"),
    SOURCES,
    OBSERVED_AT,
];
const SUBNET: &[Column] = ci_columns![
    s("cidr"),
    prop("prefix_length", PropType::Int),
    s("gateway"),
    prop("ip_version", PropType::Int),
    prop("vlan_id", PropType::Int),
];

const SOURCE_RECORD: &[Column] = &[
    ID,
    LABEL,
    s("source"),
    SOURCES,
    OBSERVED_AT,
    s("item_kind"),
    s("item_id"),
    s("attributes"),
];

const CLOUD_ACCOUNT: &[Column] = ci_columns![s("provider"), prop("account_number", PropType::Long)];
const AVAILABILITY_ZONE: &[Column] = ci_columns![s("provider")];
const KUBERNETES_CLUSTER: &[Column] = ci_columns![
    s("distribution"),
    s("version"),
    prop("node_count", PropType::Int),
];
const NAMESPACE: &[Column] = ci_columns![s("namespace")];
const POD: &[Column] = ci_columns![s("phase"), s("image"), prop("restart_count", PropType::Int),];

// The provenance columns that only carry information when several sources
// report an item: with one source, `sources` is `[source]` and `observed_at`
// is noise (docs/sources.md).
const SOURCES: Column = prop("sources", PropType::StringArray);
const OBSERVED_AT: Column = prop("observed_at", PropType::DateTime);

impl Column {
    /// Whether the column is written only by multi-source bundles (and
    /// `--provenance full`): `sources` and `observed_at`.
    pub fn is_multi_source_only(&self) -> bool {
        *self == SOURCES || *self == OBSERVED_AT
    }
}

/// Which provenance columns a bundle's tables carry: a property of the
/// profile (`Profile::provenance`), so every writer, reader and estimate
/// derives the same column list from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// `source` only: a single-source profile, where `sources` would always
    /// be `[source]`.
    SourceOnly,
    /// `source`, `sources` and `observed_at`: multi-source profiles, or
    /// `--provenance full`.
    Full,
}

impl Provenance {
    /// Whether a column is written under this provenance.
    pub fn keeps(self, c: &Column) -> bool {
        self == Provenance::Full || !c.is_multi_source_only()
    }
}

/// How a bundle identifies nodes in its import files (`generate --ids`): a
/// property of the profile, like [`Provenance`], so every writer, reader and
/// estimate derives the same header cells from it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ids {
    /// `id:ID(Group)`: the string id (`srv-000000042`) is the import id and
    /// is stored as `id` (`--id-type=string`).
    #[default]
    String,
    /// `:ID(Group)`: the row index is the import id, an integer unique per
    /// ID group and not stored (the column has no name); the string id
    /// follows as the plain property `id` (`--id-type=integer`, which is
    /// global to an import, so every group is integer).
    Integer,
}

impl Ids {
    /// Whether this is the default, string ids (left out of serialised
    /// profiles so string bundles keep their bytes).
    pub fn is_string(&self) -> bool {
        *self == Ids::String
    }

    /// The mode's name, as `--ids` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Ids::String => "string",
            Ids::Integer => "integer",
        }
    }

    /// neo4j-admin's `--id-type` argument for the mode.
    pub fn id_type_arg(self) -> &'static str {
        match self {
            Ids::String => "--id-type=string",
            Ids::Integer => "--id-type=integer",
        }
    }
}

impl fmt::Display for Ids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `source`-only column lists, one per table in [`Table::index`] order,
/// filtered once from the full lists so callers keep `&'static` slices.
static SOURCE_ONLY: std::sync::LazyLock<Vec<Vec<Column>>> = std::sync::LazyLock::new(|| {
    Table::all()
        .map(|t| {
            t.full_columns()
                .iter()
                .filter(|c| !c.is_multi_source_only())
                .copied()
                .collect()
        })
        .collect()
});

fn columns_of(t: Table, p: Provenance) -> &'static [Column] {
    match p {
        Provenance::Full => t.full_columns(),
        Provenance::SourceOnly => &SOURCE_ONLY[t.index()],
    }
}

/// The relationship families: one file group per (type, start kind, end kind),
/// because start and end ids live in their kinds' ID groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RelKind {
    /// DataCenter -LOCATED_IN-> Region (each data centre in exactly one region).
    DataCenterLocatedInRegion,
    /// Server -HOSTED_IN-> DataCenter (each server in exactly one data centre).
    ServerHostedInDataCenter,
    /// NetworkDevice -HOSTED_IN-> DataCenter.
    NetworkDeviceHostedInDataCenter,
    /// NetworkDevice -CONNECTS_TO-> Server, within the device's data centre.
    NetworkDeviceConnectsToServer,
    /// Database -RUNS_ON-> Server.
    DatabaseRunsOnServer,
    /// Application -RUNS_ON-> Server.
    ApplicationRunsOnServer,
    /// Application -DEPENDS_ON-> Database.
    ApplicationDependsOnDatabase,
    /// Application -DEPENDS_ON-> Application (no self-dependencies).
    ApplicationDependsOnApplication,
    /// Application -SUPPORTS-> BusinessService.
    ApplicationSupportsBusinessService,
    /// Event -AFFECTS-> Server.
    EventAffectsServer,
    /// Event -AFFECTS-> NetworkDevice.
    EventAffectsNetworkDevice,
    /// Event -AFFECTS-> Database.
    EventAffectsDatabase,
    /// Event -AFFECTS-> Application.
    EventAffectsApplication,
    /// Event -AFFECTS-> BusinessService.
    EventAffectsBusinessService,
    /// Event -CAUSED_BY-> Event: an incident caused by an earlier event
    /// (chains are acyclic: a cause always comes earlier).
    EventCausedByEvent,
    /// Region -REPORTED_BY-> SourceRecord (keep-all).
    RegionReportedBy,
    /// DataCenter -REPORTED_BY-> SourceRecord (keep-all).
    DataCenterReportedBy,
    /// Server -REPORTED_BY-> SourceRecord (keep-all).
    ServerReportedBy,
    /// NetworkDevice -REPORTED_BY-> SourceRecord (keep-all).
    NetworkDeviceReportedBy,
    /// Database -REPORTED_BY-> SourceRecord (keep-all).
    DatabaseReportedBy,
    /// Application -REPORTED_BY-> SourceRecord (keep-all).
    ApplicationReportedBy,
    /// BusinessService -REPORTED_BY-> SourceRecord (keep-all).
    BusinessServiceReportedBy,
    /// Application -INSTANCE_OF-> BusinessApplication (each application in
    /// exactly one).
    ApplicationInstanceOfBusinessApplication,
    /// Region -OWNED_BY-> Group.
    RegionOwnedByGroup,
    /// DataCenter -OWNED_BY-> Group.
    DataCenterOwnedByGroup,
    /// Server -OWNED_BY-> Group.
    ServerOwnedByGroup,
    /// NetworkDevice -OWNED_BY-> Group.
    NetworkDeviceOwnedByGroup,
    /// Database -OWNED_BY-> Group.
    DatabaseOwnedByGroup,
    /// Application -OWNED_BY-> Group.
    ApplicationOwnedByGroup,
    /// BusinessService -OWNED_BY-> Group.
    BusinessServiceOwnedByGroup,
    /// BusinessApplication -OWNED_BY-> Group.
    BusinessApplicationOwnedByGroup,
    /// Region -SUPPORTED_BY-> Group.
    RegionSupportedByGroup,
    /// DataCenter -SUPPORTED_BY-> Group.
    DataCenterSupportedByGroup,
    /// Server -SUPPORTED_BY-> Group.
    ServerSupportedByGroup,
    /// NetworkDevice -SUPPORTED_BY-> Group.
    NetworkDeviceSupportedByGroup,
    /// Database -SUPPORTED_BY-> Group.
    DatabaseSupportedByGroup,
    /// Application -SUPPORTED_BY-> Group.
    ApplicationSupportedByGroup,
    /// BusinessService -SUPPORTED_BY-> Group.
    BusinessServiceSupportedByGroup,
    /// BusinessApplication -SUPPORTED_BY-> Group.
    BusinessApplicationSupportedByGroup,
    /// SoftwareInstall -INSTALLED_ON-> Server (each install on one server).
    SoftwareInstallInstalledOnServer,
    /// BusinessApplication -REPORTED_BY-> SourceRecord (keep-all).
    BusinessApplicationReportedBy,
    /// Cluster -HOSTED_IN-> DataCenter (each cluster in exactly one).
    ClusterHostedInDataCenter,
    /// Server -MEMBER_OF-> Cluster: some servers, each in a cluster of its
    /// own data centre.
    ServerMemberOfCluster,
    /// Database -MEMBER_OF-> Cluster: some databases, each in a cluster of
    /// its server's data centre.
    DatabaseMemberOfCluster,
    /// Cluster -REPORTED_BY-> SourceRecord (keep-all).
    ClusterReportedBy,
    /// Cluster -OWNED_BY-> Group.
    ClusterOwnedByGroup,
    /// Cluster -SUPPORTED_BY-> Group.
    ClusterSupportedByGroup,
    /// StorageArray -HOSTED_IN-> DataCenter (each array in exactly one).
    StorageArrayHostedInDataCenter,
    /// StorageVolume -HOSTED_ON-> StorageArray (each volume on exactly one).
    StorageVolumeHostedOnStorageArray,
    /// Server -USES_STORAGE-> StorageVolume: volumes of the server's own
    /// data centre (none for cloud servers).
    ServerUsesStorageStorageVolume,
    /// Database -USES_STORAGE-> StorageVolume: volumes of the data centre
    /// of the server it runs on.
    DatabaseUsesStorageStorageVolume,
    /// StorageArray -REPORTED_BY-> SourceRecord (keep-all).
    StorageArrayReportedBy,
    /// StorageVolume -REPORTED_BY-> SourceRecord (keep-all).
    StorageVolumeReportedBy,
    /// StorageArray -OWNED_BY-> Group.
    StorageArrayOwnedByGroup,
    /// StorageVolume -OWNED_BY-> Group.
    StorageVolumeOwnedByGroup,
    /// StorageArray -SUPPORTED_BY-> Group.
    StorageArraySupportedByGroup,
    /// StorageVolume -SUPPORTED_BY-> Group.
    StorageVolumeSupportedByGroup,
    /// AvailabilityZone -LOCATED_IN-> Region (each zone in exactly one).
    AvailabilityZoneLocatedInRegion,
    /// Server -HOSTED_IN-> AvailabilityZone: each cloud server (the last
    /// share of the servers) in exactly one zone.
    ServerHostedInAvailabilityZone,
    /// Server -BELONGS_TO-> CloudAccount: each cloud server in one account
    /// of its zone's provider.
    ServerBelongsToCloudAccount,
    /// Server -VIRTUALIZED_BY-> Server: each virtual server on a hypervisor
    /// host of its own data centre.
    ServerVirtualizedByServer,
    /// CloudAccount -REPORTED_BY-> SourceRecord (keep-all).
    CloudAccountReportedBy,
    /// AvailabilityZone -REPORTED_BY-> SourceRecord (keep-all).
    AvailabilityZoneReportedBy,
    /// CloudAccount -OWNED_BY-> Group.
    CloudAccountOwnedByGroup,
    /// AvailabilityZone -OWNED_BY-> Group.
    AvailabilityZoneOwnedByGroup,
    /// CloudAccount -SUPPORTED_BY-> Group.
    CloudAccountSupportedByGroup,
    /// AvailabilityZone -SUPPORTED_BY-> Group.
    AvailabilityZoneSupportedByGroup,
    /// Server -HAS_INTERFACE-> NetworkInterface: each interface has exactly
    /// one server (rows indexed by the interface).
    ServerHasNetworkInterface,
    /// NetworkInterface -HAS_IP-> IPAddress: each address is bound to
    /// exactly one interface (rows indexed by the address).
    NetworkInterfaceHasIpAddress,
    /// IPAddress -IN_SUBNET-> Subnet: each address in the subnet whose CIDR
    /// block holds it, a subnet of its server's site.
    IpAddressInSubnet,
    /// Subnet -LOCATED_IN-> DataCenter: each subnet in one site.
    SubnetLocatedInDataCenter,
    /// Subnet -LOCATED_IN-> AvailabilityZone: the subnets of a zone's
    /// cloud servers.
    SubnetLocatedInAvailabilityZone,
    /// NetworkDevice -CONNECTS_TO-> NetworkInterface, within the device's
    /// data centre.
    NetworkDeviceConnectsToNetworkInterface,
    /// Subnet -REPORTED_BY-> SourceRecord (keep-all).
    SubnetReportedBy,
    /// Subnet -OWNED_BY-> Group.
    SubnetOwnedByGroup,
    /// Subnet -SUPPORTED_BY-> Group.
    SubnetSupportedByGroup,
    /// KubernetesCluster -HOSTED_IN-> DataCenter (each cluster in exactly
    /// one).
    KubernetesClusterHostedInDataCenter,
    /// Namespace -IN_CLUSTER-> KubernetesCluster (each namespace in exactly
    /// one).
    NamespaceInClusterKubernetesCluster,
    /// Pod -IN_NAMESPACE-> Namespace (each pod in exactly one).
    PodInNamespaceNamespace,
    /// Pod -RUNS_ON-> Server: a node of its cluster's pool, in the
    /// cluster's data centre.
    PodRunsOnServer,
    /// Pod -INSTANCE_OF-> Application: the application the pod is a
    /// replica of.
    PodInstanceOfApplication,
    /// KubernetesCluster -REPORTED_BY-> SourceRecord (keep-all).
    KubernetesClusterReportedBy,
    /// Namespace -REPORTED_BY-> SourceRecord (keep-all).
    NamespaceReportedBy,
    /// Pod -REPORTED_BY-> SourceRecord (keep-all).
    PodReportedBy,
    /// KubernetesCluster -OWNED_BY-> Group.
    KubernetesClusterOwnedByGroup,
    /// Namespace -OWNED_BY-> Group.
    NamespaceOwnedByGroup,
    /// Pod -OWNED_BY-> Group.
    PodOwnedByGroup,
    /// KubernetesCluster -SUPPORTED_BY-> Group.
    KubernetesClusterSupportedByGroup,
    /// Namespace -SUPPORTED_BY-> Group.
    NamespaceSupportedByGroup,
    /// Pod -SUPPORTED_BY-> Group.
    PodSupportedByGroup,
    /// Event -AFFECTS-> Pod (the sixth `AFFECTS` family, after the others
    /// so that they keep their streams).
    EventAffectsPod,
}

/// How a family's relationships are laid out over its start nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Each start node has exactly one end: its parent in a contiguous,
    /// skew-sized partition of the start kind over the end kind.
    Parent,
    /// Each start node has a drawn number of distinct ends (a fan-out
    /// distribution from the profile).
    Fanout,
    /// Each start node has exactly one relationship, of one of several
    /// families chosen by weight (an event affects one CI of some kind).
    OneOf,
    /// Each configuration item has one relationship per source that reports
    /// it, to that report's `SourceRecord` (keep-all only).
    Reports,
    /// Each start node has at most one end, a function of the start (an
    /// incident's cause); the rows are counted in one pass, like fan-outs.
    Optional,
    /// Each end node has exactly one start, its owner: [`Shape::Parent`]
    /// read from the owner to the owned (a server has its interfaces). The
    /// end kind is split over the start kind in contiguous groups by the
    /// family's [`Layout`]; rows are indexed by the end node, so there are
    /// exactly as many as end nodes and a row's owner is arithmetic.
    Owns,
}

/// The model's areas, each with the real-CMDB concept it mirrors, for
/// docs/model.md: (title, prose).
pub const AREAS: &[(&str, &str)] = &[
    (
        "Infrastructure: clusters",
        "A `Cluster` is what ServiceNow's CMDB calls a cluster CI (`cmdb_ci_cluster`, \
with its `cmdb_ci_cluster_node` members) and BMC CDM a `BMC_Cluster`: a failover, \
hypervisor or container cluster. Each cluster is `HOSTED_IN` one data centre, \
big data centres holding more (the servers' data-centre weights). A share of the \
servers (`clusters.servers`, default 0.3) and of the databases \
(`clusters.databases`, default 0.2) are `MEMBER_OF` a cluster, always one of \
their own data centre: a server's, or for a database the data centre of the \
(first) server it runs on. A member whose data centre has no cluster is in none; \
cloud instances are in no data centre, so in no cluster.",
    ),
    (
        "Infrastructure: storage",
        "A `StorageArray` is ServiceNow's storage server class (`cmdb_ci_storage_server`, a \
SAN or NAS system), BMC CDM's `BMC_StorageSubsystem` and Device42's storage array; a \
`StorageVolume` is a LUN or share carved from it (`cmdb_ci_storage_volume`, \
`BMC_StorageVolume`). Each array is `HOSTED_IN` one data centre, big data centres \
holding more (the servers' data-centre weights), and its vendor, model and \
`capacity_gb` come from one entry of a catalogue of real arrays (NetApp AFF, Dell \
PowerStore and PowerMax, Pure FlashArray, HPE Alletra, IBM FlashSystem, Hitachi VSP). \
Volumes are spread evenly over the arrays (`HOSTED_ON`); a volume's `protocol` is \
one its array's model serves (iSCSI, FC, NFS, NVMe-oF), and the volumes of an array \
are sized so that together they fit in its capacity (each 30% to 95% of an even \
share). Servers and databases `USES_STORAGE` volumes of their own data centre only \
(a database's is the data centre of the first server it runs on): the \
`fanout.Server-USES_STORAGE-StorageVolume` and \
`fanout.Database-USES_STORAGE-StorageVolume` degrees, capped by the volumes there.",
    ),
    (
        "Infrastructure: compute and cloud",
        "Servers follow ServiceNow's `cmdb_ci_server` subclasses and BMC CDM's \
`BMC_ComputerSystem`: physical servers, virtual machines (`cmdb_ci_vm_instance`), \
containers and cloud instances (`cmdb_ci_vm_instance` of a cloud, Device42's cloud \
instances). A server's type follows its position: the last `compute.cloud` share \
(default 0.2) are cloud instances; inside each data centre's range come the physical \
servers first (`compute.physical`, default 0.15 of all servers), then the virtual ones \
(the rest), then the containers (`compute.container`, default 0.2). The first \
`compute.hypervisors` share (default 0.5) of a data centre's physical servers are \
hypervisor hosts (label `Hypervisor`, ServiceNow's `cmdb_ci_esx_server`, BMC's \
`BMC_VirtualSystemEnabler`); each virtual server is `VIRTUALIZED_BY` one of its own \
data centre (ServiceNow's `Virtualized by::Virtualizes`), the guests spread evenly, \
and a host is at least as large (cores, memory) as its guests together. A data centre \
with virtual servers always has a host. Cloud instances are `HOSTED_IN` an \
`AvailabilityZone` (`cmdb_ci_availability_zone`), each `LOCATED_IN` a region and \
named after the region's code (`us-east-1a`), and `BELONGS_TO` a `CloudAccount` \
(`cmdb_ci_cloud_service_account`) of the zone's provider: a region's zones and the \
accounts take the providers in turn (aws, azure, gcp), so a server's account and zone \
agree. Without zones or accounts in a profile every server is on premises.",
    ),
    (
        "Network: interfaces, addresses and subnets",
        "A `NetworkInterface` is ServiceNow's network adapter (`cmdb_ci_network_adapter`), \
BMC CDM's `BMC_NetworkPort` and Device42's NIC; an `IPAddress` is ServiceNow's \
`cmdb_ci_ip_address` (BMC `BMC_IPEndpoint`, a Device42 IPAM address); a `Subnet` is \
ServiceNow's IP network (`cmdb_ci_ip_network`, Device42's subnet). A Server \
`HAS_INTERFACE` its interfaces, an interface `HAS_IP` its addresses: both are \
written from the owner to the owned, one row per owned node, and split evenly \
(every interface has exactly one server, every address one interface), so a \
data centre's interfaces and addresses are contiguous like its servers. \
Interfaces and addresses are not configuration items of their own: as dependent \
items of their server they carry no owner, support group or lifecycle. Subnets \
are: each is `LOCATED_IN` one data centre (a site), every data centre has at \
least one (the profile asks for `nodes.Subnet` ≥ `nodes.DataCenter` when there \
are addresses), the rest follow the data centres' address counts. A site of \
two or more subnets is dual stack: its last subnet is an IPv6 /64, the others \
IPv4, all one size, a /24 or larger to hold their share. Its addresses are \
dealt out over them in turn (address q of the site is host 2 + q div m of its \
subnet q mod m), so each address is `IN_SUBNET` the subnet \
whose CIDR block holds it, a subnet of its server's data centre, and no two \
addresses are equal. Blocks come from the private IPv4 space, 10.0.0.0/8 then \
192.168.0.0/16, site by site (172.16.0.0/12 stays the network devices' \
management range, their `ip`); a site that no longer fits takes IPv6 unique \
local /64 subnets (`fd` and a global id drawn from the seed) instead of \
reusing private space: every address stays unique across the whole estate, \
which is what an import or an IPAM reconciliation keys on. A server's `ip` is \
its first address (its primary interface's); a server without an interface \
has none. Each interface's MAC address is a vendor OUI (vendors in turn) and \
the interface's serial in the low 24 bits, stepping to a locally administered \
`02:` address past 16 x 2^24 interfaces, so MACs are unique too. Network \
devices `CONNECTS_TO` interfaces of their own data centre, as they do servers. \
In change sets interfaces and addresses come and go with their server: a new \
server brings an interface and an address in its site's IPv6 subnet.",
    ),
    (
        "Platform: Kubernetes",
        "A `KubernetesCluster`, a `Namespace` and a `Pod` are ServiceNow's \
`cmdb_ci_kubernetes_cluster`, `cmdb_ci_kubernetes_namespace` and \
`cmdb_ci_kubernetes_pod` (BMC CDM and Device42 discover the same three). The estate \
is on premises: a cluster's `distribution` is OpenShift, Rancher RKE2, VMware Tanzu \
or kubeadm, and names it (`ocp-prd-3`), its `version` a Kubernetes 1.27 to 1.31 \
release. Each cluster is `HOSTED_IN` one data centre, big data centres holding \
more (the servers' data-centre weights); namespaces are spread evenly over the \
clusters (`IN_CLUSTER`) and pods over the namespaces (`IN_NAMESPACE`), so a \
cluster's pods are contiguous. A cluster's node pool is its even share of its data \
centre's container servers (the k-th of n clusters there takes servers k·len/n to \
(k+1)·len/n of the slice); a data centre without containers lends its virtual \
servers, one without those its physical ones, and when there are fewer such \
servers than clusters a cluster's pool is the one server its share falls on. \
`node_count` is the pool's size. Each pod `RUNS_ON` a node of its cluster's pool, \
so in the cluster's data centre; a cluster in a data centre without servers has an \
empty pool and its pods run on none. Namespaces take the system names first \
(`default`, `kube-system`, `kube-public`, `kube-node-lease`), then team names with \
an environment (`payments-prd`), unique in their cluster (`namespace`, at most \
1,000 per cluster); `name` adds the cluster's number (`payments-prd.3`) so it is \
unique in the estate, as a natural key must be. Applications run as pods as well \
as on servers: the last `kubernetes.applications` share of the applications \
(default 0.3) are deployed on Kubernetes, and every pod is `INSTANCE_OF` one of \
them, a replica of its workload as an application service maps to its pods; the \
pods split evenly over those applications, so an application's replicas are \
neighbours in one or two namespaces. A pod is named like a ReplicaSet's \
(`customer-portal-7d9f8b6c5d-42`: the application, a hash its replicas share and \
the pod's number), runs its application's `image` (one version for all \
replicas). Pods come and go: a pod was created within the event window and 30 \
days before it (its lifecycle otherwise a CI's), so it is days to months old, \
and its `phase` follows its lifecycle: Running while operational, on standby or \
in maintenance, Failed when pending repair, Pending while planned, and once \
retired Succeeded (80 %) or Failed; failed pods have restarted more, pending \
ones never. The applications' `RUNS_ON` servers are \
unchanged. Events `AFFECTS` pods as they do other CIs: the profile key \
`events.affects.Pod` weighs them (default 10, beside Server 50, NetworkDevice 10, \
Database 15, Application 20 and BusinessService 5; it only counts in a profile \
with pods), and an event only hits a pod discovered by then and not yet \
retired, redrawn more often than a long-lived CI since most pods are younger \
than the window's first events. In an incident storm on a failing node, half \
the storm's events hit the pods running on it instead.",
    ),
];

/// Attributes one fact decides together: a device model its vendor and
/// ports, a lifecycle its statuses and dates, a server's size its cost. A
/// multi-source report leaves each group empty, stale or current as one
/// (a kind has the members it has), so a merged row never mixes two
/// versions of one fact.
pub const COHERENT: &[&[&str]] = &[
    &["vendor", "model", "port_count"],
    &[
        "status",
        "install_status",
        "operational_status",
        "created_at",
        "first_discovered",
        "last_discovered",
        "status_since",
        // A pod's phase follows its lifecycle state.
        "phase",
    ],
    &["cpu_cores", "memory_gb", "cost"],
];

/// A share of a kind's nodes that the profile decides, counted from the
/// kind's end ([`Share::count`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// The cloud servers: the last `compute.cloud` share of the servers.
    CloudServers,
}

impl Share {
    /// The kind the share is of.
    pub fn kind(self) -> NodeKind {
        match self {
            Share::CloudServers => NodeKind::Server,
        }
    }

    /// The profile key that sets the share.
    pub fn key(self) -> &'static str {
        match self {
            Share::CloudServers => "compute.cloud",
        }
    }

    /// The number of the `n` nodes in the share when its value is `v`
    /// (0..=1), rounded to the nearest: one rule for the profile's checks
    /// and the world.
    pub fn count(self, n: u64, v: f64) -> u64 {
        let t = crate::cast::whole((n as f64 * v).round());
        t.min(n)
    }
}

/// Which nodes of its start kind a `Parent` family places in an end: all,
/// or a contiguous part the rest of the kind's nodes are placed elsewhere
/// (by a family with the complementary part).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Every node of the start kind.
    All,
    /// The nodes before the share: `0..n - share`.
    Head(Share),
    /// The share's nodes, the last ones: `n - share..n`.
    Tail(Share),
}

impl Part {
    /// The part's node range among `n` nodes, the share being `tail` nodes.
    pub fn range(self, n: u64, tail: u64) -> std::ops::Range<u64> {
        match self {
            Part::All => 0..n,
            Part::Head(_) => 0..n - tail,
            Part::Tail(_) => n - tail..n,
        }
    }

    /// The share that bounds the part, if any.
    pub fn share(self) -> Option<Share> {
        match self {
            Part::All => None,
            Part::Head(s) | Part::Tail(s) => Some(s),
        }
    }
}

/// How a `Parent` family splits its start kind over its end kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Contiguous, skew-sized groups, the parents' weights drawn with this
    /// salt: families of the same end kind and salt share the weights (the
    /// network gear of a data centre follows its servers). The end kind is
    /// at most `profile::MAX_PARENTS` nodes, held in a table.
    Skewed(u64),
    /// Contiguous, even groups by arithmetic alone: for end kinds too many
    /// to hold a table of.
    Even,
}

/// The static description of a relationship family.
#[derive(Clone, Copy, Debug)]
pub struct RelSpec {
    /// The family.
    pub kind: RelKind,
    /// The relationship type (`:TYPE`).
    pub rel_type: &'static str,
    /// Start node kind (ID group of `:START_ID`).
    pub start: NodeKind,
    /// End node kind (ID group of `:END_ID`).
    pub end: NodeKind,
    /// Layout.
    pub shape: Shape,
    /// Columns after `:START_ID` and `:END_ID`.
    pub props: &'static [Column],
}

const START: Column = Column {
    name: "",
    kind: ColKind::StartId,
};
const END: Column = Column {
    name: "",
    kind: ColKind::EndId,
};
const REL_SOURCE: &[Column] = &[START, END, s("source"), SOURCES, OBSERVED_AT];
const CONNECTS: &[Column] = &[
    START,
    END,
    s("source"),
    SOURCES,
    OBSERVED_AT,
    prop("port", PropType::Int),
];
const DEPENDS: &[Column] = &[
    START,
    END,
    s("source"),
    SOURCES,
    OBSERVED_AT,
    s("dependency_type"),
];

type SpecParts = (&'static str, NodeKind, NodeKind, Shape, &'static [Column]);

fn reported(start: NodeKind) -> SpecParts {
    (
        "REPORTED_BY",
        start,
        NodeKind::SourceRecord,
        Shape::Reports,
        REL_SOURCE,
    )
}

fn owned(start: NodeKind) -> SpecParts {
    (
        "OWNED_BY",
        start,
        NodeKind::Group,
        Shape::Optional,
        REL_SOURCE,
    )
}

fn supported(start: NodeKind) -> SpecParts {
    (
        "SUPPORTED_BY",
        start,
        NodeKind::Group,
        Shape::Optional,
        REL_SOURCE,
    )
}

impl RelKind {
    /// The family's position in [`RelKind::ALL`] (the declaration order,
    /// checked at compile time), for per-family arrays.
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// All families, in output order.
    pub const ALL: [RelKind; 91] = [
        RelKind::DataCenterLocatedInRegion,
        RelKind::ServerHostedInDataCenter,
        RelKind::NetworkDeviceHostedInDataCenter,
        RelKind::NetworkDeviceConnectsToServer,
        RelKind::DatabaseRunsOnServer,
        RelKind::ApplicationRunsOnServer,
        RelKind::ApplicationDependsOnDatabase,
        RelKind::ApplicationDependsOnApplication,
        RelKind::ApplicationSupportsBusinessService,
        RelKind::EventAffectsServer,
        RelKind::EventAffectsNetworkDevice,
        RelKind::EventAffectsDatabase,
        RelKind::EventAffectsApplication,
        RelKind::EventAffectsBusinessService,
        RelKind::EventCausedByEvent,
        RelKind::RegionReportedBy,
        RelKind::DataCenterReportedBy,
        RelKind::ServerReportedBy,
        RelKind::NetworkDeviceReportedBy,
        RelKind::DatabaseReportedBy,
        RelKind::ApplicationReportedBy,
        RelKind::BusinessServiceReportedBy,
        RelKind::ApplicationInstanceOfBusinessApplication,
        RelKind::RegionOwnedByGroup,
        RelKind::DataCenterOwnedByGroup,
        RelKind::ServerOwnedByGroup,
        RelKind::NetworkDeviceOwnedByGroup,
        RelKind::DatabaseOwnedByGroup,
        RelKind::ApplicationOwnedByGroup,
        RelKind::BusinessServiceOwnedByGroup,
        RelKind::BusinessApplicationOwnedByGroup,
        RelKind::RegionSupportedByGroup,
        RelKind::DataCenterSupportedByGroup,
        RelKind::ServerSupportedByGroup,
        RelKind::NetworkDeviceSupportedByGroup,
        RelKind::DatabaseSupportedByGroup,
        RelKind::ApplicationSupportedByGroup,
        RelKind::BusinessServiceSupportedByGroup,
        RelKind::BusinessApplicationSupportedByGroup,
        RelKind::SoftwareInstallInstalledOnServer,
        RelKind::BusinessApplicationReportedBy,
        RelKind::ClusterHostedInDataCenter,
        RelKind::ServerMemberOfCluster,
        RelKind::DatabaseMemberOfCluster,
        RelKind::ClusterReportedBy,
        RelKind::ClusterOwnedByGroup,
        RelKind::ClusterSupportedByGroup,
        RelKind::StorageArrayHostedInDataCenter,
        RelKind::StorageVolumeHostedOnStorageArray,
        RelKind::ServerUsesStorageStorageVolume,
        RelKind::DatabaseUsesStorageStorageVolume,
        RelKind::StorageArrayReportedBy,
        RelKind::StorageVolumeReportedBy,
        RelKind::StorageArrayOwnedByGroup,
        RelKind::StorageVolumeOwnedByGroup,
        RelKind::StorageArraySupportedByGroup,
        RelKind::StorageVolumeSupportedByGroup,
        RelKind::AvailabilityZoneLocatedInRegion,
        RelKind::ServerHostedInAvailabilityZone,
        RelKind::ServerBelongsToCloudAccount,
        RelKind::ServerVirtualizedByServer,
        RelKind::CloudAccountReportedBy,
        RelKind::AvailabilityZoneReportedBy,
        RelKind::CloudAccountOwnedByGroup,
        RelKind::AvailabilityZoneOwnedByGroup,
        RelKind::CloudAccountSupportedByGroup,
        RelKind::AvailabilityZoneSupportedByGroup,
        RelKind::ServerHasNetworkInterface,
        RelKind::NetworkInterfaceHasIpAddress,
        RelKind::IpAddressInSubnet,
        RelKind::SubnetLocatedInDataCenter,
        RelKind::SubnetLocatedInAvailabilityZone,
        RelKind::NetworkDeviceConnectsToNetworkInterface,
        RelKind::SubnetReportedBy,
        RelKind::SubnetOwnedByGroup,
        RelKind::SubnetSupportedByGroup,
        RelKind::KubernetesClusterHostedInDataCenter,
        RelKind::NamespaceInClusterKubernetesCluster,
        RelKind::PodInNamespaceNamespace,
        RelKind::PodRunsOnServer,
        RelKind::PodInstanceOfApplication,
        RelKind::KubernetesClusterReportedBy,
        RelKind::NamespaceReportedBy,
        RelKind::PodReportedBy,
        RelKind::KubernetesClusterOwnedByGroup,
        RelKind::NamespaceOwnedByGroup,
        RelKind::PodOwnedByGroup,
        RelKind::KubernetesClusterSupportedByGroup,
        RelKind::NamespaceSupportedByGroup,
        RelKind::PodSupportedByGroup,
        RelKind::EventAffectsPod,
    ];

    /// The keep-all audit families, one per configuration-item kind (the
    /// shape is checked below: every `Reports` family is listed).
    pub const REPORTED_BY: [RelKind; 17] = [
        RelKind::RegionReportedBy,
        RelKind::DataCenterReportedBy,
        RelKind::ServerReportedBy,
        RelKind::NetworkDeviceReportedBy,
        RelKind::DatabaseReportedBy,
        RelKind::ApplicationReportedBy,
        RelKind::BusinessServiceReportedBy,
        RelKind::BusinessApplicationReportedBy,
        RelKind::ClusterReportedBy,
        RelKind::StorageArrayReportedBy,
        RelKind::StorageVolumeReportedBy,
        RelKind::CloudAccountReportedBy,
        RelKind::AvailabilityZoneReportedBy,
        RelKind::SubnetReportedBy,
        RelKind::KubernetesClusterReportedBy,
        RelKind::NamespaceReportedBy,
        RelKind::PodReportedBy,
    ];

    /// The `OWNED_BY` families, one per configuration-item kind that a
    /// group owns, in [`NodeKind::ALL`] order of their start kinds.
    pub const OWNED_BY: [RelKind; 17] = [
        RelKind::RegionOwnedByGroup,
        RelKind::DataCenterOwnedByGroup,
        RelKind::ServerOwnedByGroup,
        RelKind::NetworkDeviceOwnedByGroup,
        RelKind::DatabaseOwnedByGroup,
        RelKind::ApplicationOwnedByGroup,
        RelKind::BusinessServiceOwnedByGroup,
        RelKind::BusinessApplicationOwnedByGroup,
        RelKind::ClusterOwnedByGroup,
        RelKind::StorageArrayOwnedByGroup,
        RelKind::StorageVolumeOwnedByGroup,
        RelKind::CloudAccountOwnedByGroup,
        RelKind::AvailabilityZoneOwnedByGroup,
        RelKind::SubnetOwnedByGroup,
        RelKind::KubernetesClusterOwnedByGroup,
        RelKind::NamespaceOwnedByGroup,
        RelKind::PodOwnedByGroup,
    ];

    /// The `SUPPORTED_BY` families, like [`RelKind::OWNED_BY`].
    pub const SUPPORTED_BY: [RelKind; 17] = [
        RelKind::RegionSupportedByGroup,
        RelKind::DataCenterSupportedByGroup,
        RelKind::ServerSupportedByGroup,
        RelKind::NetworkDeviceSupportedByGroup,
        RelKind::DatabaseSupportedByGroup,
        RelKind::ApplicationSupportedByGroup,
        RelKind::BusinessServiceSupportedByGroup,
        RelKind::BusinessApplicationSupportedByGroup,
        RelKind::ClusterSupportedByGroup,
        RelKind::StorageArraySupportedByGroup,
        RelKind::StorageVolumeSupportedByGroup,
        RelKind::CloudAccountSupportedByGroup,
        RelKind::AvailabilityZoneSupportedByGroup,
        RelKind::SubnetSupportedByGroup,
        RelKind::KubernetesClusterSupportedByGroup,
        RelKind::NamespaceSupportedByGroup,
        RelKind::PodSupportedByGroup,
    ];

    /// The families an event's one relationship is chosen from, in slot order.
    pub const AFFECTS: [RelKind; 6] = [
        RelKind::EventAffectsServer,
        RelKind::EventAffectsNetworkDevice,
        RelKind::EventAffectsDatabase,
        RelKind::EventAffectsApplication,
        RelKind::EventAffectsBusinessService,
        RelKind::EventAffectsPod,
    ];

    /// The family's static description.
    pub fn spec(self) -> RelSpec {
        use NodeKind as N;
        use RelKind as R;
        let (rel_type, start, end, shape, props): SpecParts = match self {
            R::DataCenterLocatedInRegion => (
                "LOCATED_IN",
                N::DataCenter,
                N::Region,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::ServerHostedInDataCenter => (
                "HOSTED_IN",
                N::Server,
                N::DataCenter,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::NetworkDeviceHostedInDataCenter => (
                "HOSTED_IN",
                N::NetworkDevice,
                N::DataCenter,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::NetworkDeviceConnectsToServer => (
                "CONNECTS_TO",
                N::NetworkDevice,
                N::Server,
                Shape::Fanout,
                CONNECTS,
            ),
            R::DatabaseRunsOnServer => {
                ("RUNS_ON", N::Database, N::Server, Shape::Fanout, REL_SOURCE)
            }
            R::ApplicationRunsOnServer => (
                "RUNS_ON",
                N::Application,
                N::Server,
                Shape::Fanout,
                REL_SOURCE,
            ),
            R::ApplicationDependsOnDatabase => (
                "DEPENDS_ON",
                N::Application,
                N::Database,
                Shape::Fanout,
                DEPENDS,
            ),
            R::ApplicationDependsOnApplication => (
                "DEPENDS_ON",
                N::Application,
                N::Application,
                Shape::Fanout,
                DEPENDS,
            ),
            R::ApplicationSupportsBusinessService => (
                "SUPPORTS",
                N::Application,
                N::BusinessService,
                Shape::Fanout,
                REL_SOURCE,
            ),
            R::EventAffectsServer => ("AFFECTS", N::Event, N::Server, Shape::OneOf, REL_SOURCE),
            R::EventAffectsNetworkDevice => (
                "AFFECTS",
                N::Event,
                N::NetworkDevice,
                Shape::OneOf,
                REL_SOURCE,
            ),
            R::EventAffectsDatabase => ("AFFECTS", N::Event, N::Database, Shape::OneOf, REL_SOURCE),
            R::EventAffectsApplication => (
                "AFFECTS",
                N::Event,
                N::Application,
                Shape::OneOf,
                REL_SOURCE,
            ),
            R::EventAffectsBusinessService => (
                "AFFECTS",
                N::Event,
                N::BusinessService,
                Shape::OneOf,
                REL_SOURCE,
            ),
            R::EventAffectsPod => ("AFFECTS", N::Event, N::Pod, Shape::OneOf, REL_SOURCE),
            R::EventCausedByEvent => ("CAUSED_BY", N::Event, N::Event, Shape::Optional, REL_SOURCE),
            R::RegionReportedBy => reported(N::Region),
            R::DataCenterReportedBy => reported(N::DataCenter),
            R::ServerReportedBy => reported(N::Server),
            R::NetworkDeviceReportedBy => reported(N::NetworkDevice),
            R::DatabaseReportedBy => reported(N::Database),
            R::ApplicationReportedBy => reported(N::Application),
            R::BusinessServiceReportedBy => reported(N::BusinessService),
            R::ApplicationInstanceOfBusinessApplication => (
                "INSTANCE_OF",
                N::Application,
                N::BusinessApplication,
                Shape::Optional,
                REL_SOURCE,
            ),
            R::RegionOwnedByGroup => owned(N::Region),
            R::DataCenterOwnedByGroup => owned(N::DataCenter),
            R::ServerOwnedByGroup => owned(N::Server),
            R::NetworkDeviceOwnedByGroup => owned(N::NetworkDevice),
            R::DatabaseOwnedByGroup => owned(N::Database),
            R::ApplicationOwnedByGroup => owned(N::Application),
            R::BusinessServiceOwnedByGroup => owned(N::BusinessService),
            R::BusinessApplicationOwnedByGroup => owned(N::BusinessApplication),
            R::RegionSupportedByGroup => supported(N::Region),
            R::DataCenterSupportedByGroup => supported(N::DataCenter),
            R::ServerSupportedByGroup => supported(N::Server),
            R::NetworkDeviceSupportedByGroup => supported(N::NetworkDevice),
            R::DatabaseSupportedByGroup => supported(N::Database),
            R::ApplicationSupportedByGroup => supported(N::Application),
            R::BusinessServiceSupportedByGroup => supported(N::BusinessService),
            R::BusinessApplicationSupportedByGroup => supported(N::BusinessApplication),
            R::SoftwareInstallInstalledOnServer => (
                "INSTALLED_ON",
                N::SoftwareInstall,
                N::Server,
                Shape::Optional,
                REL_SOURCE,
            ),
            R::BusinessApplicationReportedBy => reported(N::BusinessApplication),
            R::ClusterHostedInDataCenter => (
                "HOSTED_IN",
                N::Cluster,
                N::DataCenter,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::ServerMemberOfCluster => (
                "MEMBER_OF",
                N::Server,
                N::Cluster,
                Shape::Optional,
                REL_SOURCE,
            ),
            R::DatabaseMemberOfCluster => (
                "MEMBER_OF",
                N::Database,
                N::Cluster,
                Shape::Optional,
                REL_SOURCE,
            ),
            R::ClusterReportedBy => reported(N::Cluster),
            R::ClusterOwnedByGroup => owned(N::Cluster),
            R::ClusterSupportedByGroup => supported(N::Cluster),
            R::StorageArrayHostedInDataCenter => (
                "HOSTED_IN",
                N::StorageArray,
                N::DataCenter,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::StorageVolumeHostedOnStorageArray => (
                "HOSTED_ON",
                N::StorageVolume,
                N::StorageArray,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::ServerUsesStorageStorageVolume => (
                "USES_STORAGE",
                N::Server,
                N::StorageVolume,
                Shape::Fanout,
                REL_SOURCE,
            ),
            R::DatabaseUsesStorageStorageVolume => (
                "USES_STORAGE",
                N::Database,
                N::StorageVolume,
                Shape::Fanout,
                REL_SOURCE,
            ),
            R::StorageArrayReportedBy => reported(N::StorageArray),
            R::StorageVolumeReportedBy => reported(N::StorageVolume),
            R::StorageArrayOwnedByGroup => owned(N::StorageArray),
            R::StorageVolumeOwnedByGroup => owned(N::StorageVolume),
            R::StorageArraySupportedByGroup => supported(N::StorageArray),
            R::StorageVolumeSupportedByGroup => supported(N::StorageVolume),
            R::AvailabilityZoneLocatedInRegion => (
                "LOCATED_IN",
                N::AvailabilityZone,
                N::Region,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::ServerHostedInAvailabilityZone => (
                "HOSTED_IN",
                N::Server,
                N::AvailabilityZone,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::ServerBelongsToCloudAccount => (
                "BELONGS_TO",
                N::Server,
                N::CloudAccount,
                Shape::Optional,
                REL_SOURCE,
            ),
            R::ServerVirtualizedByServer => (
                "VIRTUALIZED_BY",
                N::Server,
                N::Server,
                Shape::Optional,
                REL_SOURCE,
            ),
            R::CloudAccountReportedBy => reported(N::CloudAccount),
            R::AvailabilityZoneReportedBy => reported(N::AvailabilityZone),
            R::CloudAccountOwnedByGroup => owned(N::CloudAccount),
            R::AvailabilityZoneOwnedByGroup => owned(N::AvailabilityZone),
            R::CloudAccountSupportedByGroup => supported(N::CloudAccount),
            R::AvailabilityZoneSupportedByGroup => supported(N::AvailabilityZone),
            R::ServerHasNetworkInterface => (
                "HAS_INTERFACE",
                N::Server,
                N::NetworkInterface,
                Shape::Owns,
                REL_SOURCE,
            ),
            R::NetworkInterfaceHasIpAddress => (
                "HAS_IP",
                N::NetworkInterface,
                N::IPAddress,
                Shape::Owns,
                REL_SOURCE,
            ),
            R::IpAddressInSubnet => (
                "IN_SUBNET",
                N::IPAddress,
                N::Subnet,
                Shape::Optional,
                REL_SOURCE,
            ),
            R::SubnetLocatedInDataCenter => (
                "LOCATED_IN",
                N::Subnet,
                N::DataCenter,
                Shape::Optional,
                REL_SOURCE,
            ),
            R::SubnetLocatedInAvailabilityZone => (
                "LOCATED_IN",
                N::Subnet,
                N::AvailabilityZone,
                Shape::Optional,
                REL_SOURCE,
            ),
            R::NetworkDeviceConnectsToNetworkInterface => (
                "CONNECTS_TO",
                N::NetworkDevice,
                N::NetworkInterface,
                Shape::Fanout,
                REL_SOURCE,
            ),
            R::SubnetReportedBy => reported(N::Subnet),
            R::SubnetOwnedByGroup => owned(N::Subnet),
            R::SubnetSupportedByGroup => supported(N::Subnet),
            R::KubernetesClusterHostedInDataCenter => (
                "HOSTED_IN",
                N::KubernetesCluster,
                N::DataCenter,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::NamespaceInClusterKubernetesCluster => (
                "IN_CLUSTER",
                N::Namespace,
                N::KubernetesCluster,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::PodInNamespaceNamespace => (
                "IN_NAMESPACE",
                N::Pod,
                N::Namespace,
                Shape::Parent,
                REL_SOURCE,
            ),
            R::PodRunsOnServer => ("RUNS_ON", N::Pod, N::Server, Shape::Optional, REL_SOURCE),
            R::PodInstanceOfApplication => (
                "INSTANCE_OF",
                N::Pod,
                N::Application,
                Shape::Optional,
                REL_SOURCE,
            ),
            R::KubernetesClusterReportedBy => reported(N::KubernetesCluster),
            R::NamespaceReportedBy => reported(N::Namespace),
            R::PodReportedBy => reported(N::Pod),
            R::KubernetesClusterOwnedByGroup => owned(N::KubernetesCluster),
            R::NamespaceOwnedByGroup => owned(N::Namespace),
            R::PodOwnedByGroup => owned(N::Pod),
            R::KubernetesClusterSupportedByGroup => supported(N::KubernetesCluster),
            R::NamespaceSupportedByGroup => supported(N::Namespace),
            R::PodSupportedByGroup => supported(N::Pod),
        };
        RelSpec {
            kind: self,
            rel_type,
            start,
            end,
            shape,
            props,
        }
    }

    /// The family's name: `Start-TYPE-End`, used for its folder and profile key.
    pub fn name(self) -> String {
        let s = self.spec();
        format!("{}-{}-{}", s.start.name(), s.rel_type, s.end.name())
    }

    /// Parses a family's name.
    pub fn from_name(s: &str) -> Option<RelKind> {
        RelKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The family's columns under a provenance, in file order.
    pub fn columns(self, p: Provenance) -> &'static [Column] {
        columns_of(Table::Rel(self), p)
    }

    /// The layout of a `Parent`- or `Owns`-shaped family (`None` for other
    /// shapes): how the placed kind is split over the placing one.
    pub fn parent_layout(self) -> Option<Layout> {
        match self {
            RelKind::DataCenterLocatedInRegion => Some(Layout::Skewed(0)),
            // Clusters follow the servers too: big data centres have many.
            RelKind::ServerHostedInDataCenter
            | RelKind::NetworkDeviceHostedInDataCenter
            | RelKind::ClusterHostedInDataCenter => Some(Layout::Skewed(1)),
            // Storage arrays follow the servers; volumes are many.
            RelKind::StorageArrayHostedInDataCenter => Some(Layout::Skewed(1)),
            RelKind::StorageVolumeHostedOnStorageArray => Some(Layout::Even),
            // A few regions hold many zones; every region has some.
            RelKind::AvailabilityZoneLocatedInRegion => Some(Layout::Even),
            RelKind::ServerHostedInAvailabilityZone => Some(Layout::Skewed(2)),
            // Interfaces and addresses are too many for a table: an even
            // split keeps a site's interfaces and addresses contiguous,
            // like its servers.
            RelKind::ServerHasNetworkInterface | RelKind::NetworkInterfaceHasIpAddress => {
                Some(Layout::Even)
            }
            // Kubernetes clusters follow the servers; namespaces and pods
            // are many, split evenly so a cluster's pods are contiguous.
            RelKind::KubernetesClusterHostedInDataCenter => Some(Layout::Skewed(1)),
            RelKind::NamespaceInClusterKubernetesCluster | RelKind::PodInNamespaceNamespace => {
                Some(Layout::Even)
            }
            _ => None,
        }
    }

    /// For a `Parent`- or `Owns`-shaped family, (the placed kind, the kind
    /// it is placed in): a server in its data centre, an interface in its
    /// server. `None` for other shapes.
    pub fn placement(self) -> Option<(NodeKind, NodeKind)> {
        let s = self.spec();
        match s.shape {
            Shape::Parent => Some((s.start, s.end)),
            Shape::Owns => Some((s.end, s.start)),
            _ => None,
        }
    }

    /// Which of its start kind's nodes a `Parent`-shaped family places:
    /// servers are on premises (in a data centre) or in the cloud (in a
    /// zone), split by the profile's `compute.cloud` share.
    pub fn parent_part(self) -> Part {
        match self {
            RelKind::ServerHostedInDataCenter => Part::Head(Share::CloudServers),
            RelKind::ServerHostedInAvailabilityZone => Part::Tail(Share::CloudServers),
            _ => Part::All,
        }
    }

    /// The slot of an `AFFECTS` family among [`RelKind::AFFECTS`].
    pub fn affects_slot(self) -> Option<usize> {
        RelKind::AFFECTS.iter().position(|&k| k == self)
    }
}

impl fmt::Display for RelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A table of the output: a node kind or a relationship family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// Nodes of a kind.
    Node(NodeKind),
    /// Relationships of a family.
    Rel(RelKind),
}

impl Table {
    /// Every table, nodes first.
    pub fn all() -> impl Iterator<Item = Table> {
        NodeKind::ALL
            .into_iter()
            .map(Table::Node)
            .chain(RelKind::ALL.into_iter().map(Table::Rel))
    }

    /// The table's name (its folder).
    pub fn name(self) -> String {
        match self {
            Table::Node(k) => k.name().to_string(),
            Table::Rel(r) => r.name(),
        }
    }

    /// The table's folder relative to the bundle root.
    pub fn dir(self) -> String {
        match self {
            Table::Node(k) => format!("nodes/{}", k.name()),
            Table::Rel(r) => format!("relationships/{}", r.name()),
        }
    }

    /// The table's position in [`Table::all`].
    pub fn index(self) -> usize {
        match self {
            Table::Node(k) => k.index(),
            Table::Rel(r) => NodeKind::ALL.len() + r.index(),
        }
    }

    /// The table's columns under a provenance.
    pub fn columns(self, p: Provenance) -> &'static [Column] {
        columns_of(self, p)
    }

    /// Every column the table can have.
    fn full_columns(self) -> &'static [Column] {
        match self {
            Table::Node(k) => k.full_columns(),
            Table::Rel(r) => r.spec().props,
        }
    }

    /// Whether the table holds nodes.
    pub fn is_node(self) -> bool {
        matches!(self, Table::Node(_))
    }

    /// The header cells in neo4j-admin syntax with string ids, e.g.
    /// `id:ID(Server)`, `:LABEL`, `cpu_cores:double`, `:START_ID(Server)`.
    pub fn header_cells(self, p: Provenance) -> Vec<String> {
        self.header_cells_as(p, Ids::String)
    }

    /// The header cells under an id mode.
    pub fn header_cells_as(self, p: Provenance, ids: Ids) -> Vec<String> {
        self.column_cells(p, ids).into_iter().flatten().collect()
    }

    /// The header cells of each column under an id mode: one per column,
    /// except a node's id under [`Ids::Integer`], which is two
    /// (`:ID(Server)`, then the property `id`).
    pub fn column_cells(self, p: Provenance, ids: Ids) -> Vec<Vec<String>> {
        let (start, end) = match self {
            Table::Node(k) => (k, k),
            Table::Rel(r) => {
                let s = r.spec();
                (s.start, s.end)
            }
        };
        self.columns(p)
            .iter()
            .map(|c| match c.kind {
                ColKind::Id => match ids {
                    Ids::String => vec![format!("{}:ID({})", c.name, start.name())],
                    Ids::Integer => vec![format!(":ID({})", start.name()), c.name.to_string()],
                },
                ColKind::Label => vec![":LABEL".to_string()],
                ColKind::StartId => vec![format!(":START_ID({})", start.name())],
                ColKind::EndId => vec![format!(":END_ID({})", end.name())],
                ColKind::Prop(t) => vec![match t.header_suffix() {
                    None => c.name.to_string(),
                    Some(suffix) => format!("{}:{}", c.name, suffix),
                }],
            })
            .collect()
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

// Change-set facts: what `changes` (day-N change sets) needs beyond the
// shapes above. Its rules are derived from these and the shapes, so a new
// kind or family needs an entry here and no code in src/changes.rs.

/// How a kind changes from day to day in a change set (`cmdbgen changes`):
/// how many nodes a day adds and decommissions, in basis points of the base
/// count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Churn {
    /// Never added or removed: the places others hang on (regions, data
    /// centres), the owner groups, keep-all records.
    Fixed,
    /// Added slowly and never decommissioned: the ends every node of
    /// another kind needs one of (business applications).
    Grows,
    /// Added and decommissioned slowly (network gear, services, clusters).
    Slow,
    /// The bulk of the estate (servers, databases, applications, installs).
    Steady,
    /// Only added: things that happen (events).
    Stream,
    /// Added and decommissioned with their owner through an `Owns` family
    /// (a server's interfaces and their addresses): a new owner brings one.
    Owned,
}

impl Churn {
    /// New nodes per day, in basis points of the base count.
    pub fn new_bp(self) -> u64 {
        match self {
            Churn::Fixed | Churn::Owned => 0,
            Churn::Grows | Churn::Slow => 50,
            Churn::Steady => 100,
            Churn::Stream => 200,
        }
    }

    /// Decommissioned nodes per day, in basis points of the base count.
    pub fn delete_bp(self) -> u64 {
        match self {
            Churn::Slow | Churn::Steady => 10,
            Churn::Fixed | Churn::Grows | Churn::Stream | Churn::Owned => 0,
        }
    }
}

/// How long before the reference a configuration item of a kind can have
/// been created: most kinds live for years, a pod for days to months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxAge {
    /// At most this many days.
    Days(u32),
    /// At most the event window plus this many days: items that come and
    /// go within the window (pods).
    WindowPlusDays(u32),
}

impl MaxAge {
    /// The longest age in seconds, for an event window of `window_days`.
    pub const fn seconds(self, window_days: u32) -> i64 {
        let days = match self {
            MaxAge::Days(d) => d,
            MaxAge::WindowPlusDays(d) => window_days + d,
        };
        days as i64 * 86_400
    }
}

impl NodeKind {
    /// How old a node of this kind can be ([`MaxAge`]): fourteen years, a
    /// pod the event window and a month (so the oldest predates every
    /// event, and a pod is days to months old).
    pub const fn max_age(self) -> MaxAge {
        match self {
            NodeKind::Pod => MaxAge::WindowPlusDays(30),
            _ => MaxAge::Days(14 * 365),
        }
    }
}

impl NodeKind {
    /// How the kind changes from day to day.
    pub fn churn(self) -> Churn {
        match self {
            NodeKind::Region
            | NodeKind::DataCenter
            | NodeKind::Group
            | NodeKind::SourceRecord
            | NodeKind::CloudAccount
            | NodeKind::AvailabilityZone => Churn::Fixed,
            // Interfaces and addresses come and go with their server;
            // subnets are the address plan's.
            NodeKind::NetworkInterface | NodeKind::IPAddress => Churn::Owned,
            NodeKind::Subnet => Churn::Fixed,
            // Volumes are placed on arrays, so arrays only grow.
            NodeKind::BusinessApplication | NodeKind::StorageArray => Churn::Grows,
            NodeKind::NetworkDevice | NodeKind::BusinessService | NodeKind::Cluster => Churn::Slow,
            NodeKind::Server
            | NodeKind::Database
            | NodeKind::Application
            | NodeKind::SoftwareInstall
            | NodeKind::StorageVolume => Churn::Steady,
            NodeKind::Event => Churn::Stream,
            // Namespaces hold pods and clusters hold namespaces, so both
            // only grow; pods come and go the most.
            NodeKind::KubernetesCluster | NodeKind::Namespace => Churn::Grows,
            NodeKind::Pod => Churn::Steady,
        }
    }
}

impl NodeKind {
    /// The `Owns` family whose owned nodes are this kind's, if any.
    pub fn owner_family(self) -> Option<RelKind> {
        RelKind::ALL
            .into_iter()
            .find(|r| r.spec().shape == Shape::Owns && r.spec().end == self)
    }
}

impl RelKind {
    /// Whether the family's ends follow where its start node is placed (its
    /// data centre, the servers it runs on) rather than its row number
    /// alone. A node a change set adds is placed like a base node of its
    /// kind (its twin): it takes such ends from the twin. `Parent` families
    /// are placed by their shape; this lists the others.
    pub fn follows_placement(self) -> bool {
        matches!(
            self,
            RelKind::NetworkDeviceConnectsToServer
                | RelKind::DatabaseRunsOnServer
                | RelKind::ServerMemberOfCluster
                | RelKind::DatabaseMemberOfCluster
                | RelKind::SoftwareInstallInstalledOnServer
                | RelKind::ServerUsesStorageStorageVolume
                | RelKind::DatabaseUsesStorageStorageVolume
                | RelKind::ServerVirtualizedByServer
                | RelKind::ServerBelongsToCloudAccount
                | RelKind::NetworkDeviceConnectsToNetworkInterface
                | RelKind::PodRunsOnServer
                | RelKind::PodInstanceOfApplication
        )
    }
}

// `index()` is the position in `ALL`: both lists are in declaration order.
const _: () = {
    let mut k = 0;
    while k < NodeKind::ALL.len() {
        assert!(NodeKind::ALL[k] as usize == k);
        k += 1;
    }
    let mut r = 0;
    while r < RelKind::ALL.len() {
        assert!(RelKind::ALL[r] as usize == r);
        r += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ci_kind_has_its_reported_by_owned_by_and_supported_by() {
        for r in RelKind::ALL {
            let listed = RelKind::REPORTED_BY.contains(&r);
            assert_eq!(r.spec().shape == Shape::Reports, listed, "{r}");
        }
        for k in NodeKind::ALL.into_iter().filter(|k| k.is_ci()) {
            assert_eq!(k.reported_by().map(|r| r.spec().start), Some(k));
            for (list, ty) in [
                (RelKind::OWNED_BY, "OWNED_BY"),
                (RelKind::SUPPORTED_BY, "SUPPORTED_BY"),
            ] {
                let r = list.iter().find(|r| r.spec().start == k);
                let r = r.unwrap_or_else(|| panic!("{k} has no {ty} family"));
                assert_eq!((r.spec().rel_type, r.spec().end), (ty, NodeKind::Group));
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for k in NodeKind::ALL {
            assert_eq!(NodeKind::from_name(k.name()), Some(k));
        }
        for r in RelKind::ALL {
            assert_eq!(RelKind::from_name(&r.name()), Some(r));
        }
    }

    #[test]
    fn exactly_the_parent_families_have_a_layout() {
        for r in RelKind::ALL {
            let parent = matches!(r.spec().shape, Shape::Parent | Shape::Owns);
            assert_eq!(r.parent_layout().is_some(), parent, "{r}");
        }
    }

    #[test]
    fn every_node_table_starts_with_id_and_label() {
        for k in NodeKind::ALL {
            let c = k.columns(Provenance::SourceOnly);
            assert_eq!(c[0].kind, ColKind::Id);
            assert_eq!(c[1].kind, ColKind::Label);
            assert!(c.iter().any(|c| c.name == "source"), "{k} has no source");
        }
    }

    #[test]
    fn every_rel_table_has_start_end_and_source() {
        for r in RelKind::ALL {
            let c = r.columns(Provenance::SourceOnly);
            assert_eq!(c[0].kind, ColKind::StartId);
            assert_eq!(c[1].kind, ColKind::EndId);
            assert!(c.iter().any(|c| c.name == "source"), "{r} has no source");
        }
    }

    #[test]
    fn headers_look_like_neo4j() {
        let h = Table::Node(NodeKind::Server)
            .header_cells(Provenance::Full)
            .join(",");
        assert!(h.starts_with("id:ID(Server),:LABEL,name,"), "{h}");
        assert!(h.contains("cpu_cores:double,memory_gb:double"));
        assert!(h.contains("tags:string[]"));
        let rel = Table::Rel(RelKind::ServerHostedInDataCenter);
        assert_eq!(
            rel.header_cells(Provenance::Full).join(","),
            ":START_ID(Server),:END_ID(DataCenter),source,sources:string[],observed_at:datetime"
        );
        assert_eq!(
            rel.header_cells(Provenance::SourceOnly).join(","),
            ":START_ID(Server),:END_ID(DataCenter),source"
        );
    }

    #[test]
    fn integer_ids_split_the_id_column_and_keep_the_rest() {
        for t in Table::all() {
            for p in [Provenance::SourceOnly, Provenance::Full] {
                let string = t.header_cells(p);
                let integer = t.header_cells_as(p, Ids::Integer);
                if let Table::Node(k) = t {
                    assert_eq!(string[0], format!("id:ID({k})"));
                    assert_eq!(integer[..2], [format!(":ID({k})"), "id".to_string()]);
                    assert_eq!(string[1..], integer[2..], "{t}");
                } else {
                    assert_eq!(string, integer, "{t}");
                }
            }
        }
    }

    #[test]
    fn property_names_are_unique_per_table() {
        for t in Table::all() {
            let mut names: Vec<_> = t
                .columns(Provenance::Full)
                .iter()
                .filter(|c| !c.name.is_empty())
                .map(|c| c.name)
                .collect();
            names.sort_unstable();
            let n = names.len();
            names.dedup();
            assert_eq!(n, names.len(), "{t} has a duplicate property");
        }
    }

    #[test]
    fn source_only_drops_exactly_sources_and_observed_at() {
        for (i, t) in Table::all().enumerate() {
            assert_eq!(t.index(), i);
            let full = t.columns(Provenance::Full);
            let single = t.columns(Provenance::SourceOnly);
            let dropped: Vec<_> = full
                .iter()
                .filter(|c| !single.contains(c))
                .map(|c| c.name)
                .collect();
            assert_eq!(dropped, ["sources", "observed_at"], "{t}");
            // The order of the kept columns is the full list's.
            let kept: Vec<_> = full
                .iter()
                .filter(|c| Provenance::SourceOnly.keeps(c))
                .collect();
            assert_eq!(kept, single.iter().collect::<Vec<_>>(), "{t}");
            assert!(single.iter().any(|c| c.name == "source"), "{t}");
        }
    }
}
