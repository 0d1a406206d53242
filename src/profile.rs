//! Profiles: how big and how shaped a customer's estate is.
//!
//! A profile is a TOML file (or one of the built-ins in `src/profiles/`). It is
//! parsed into a [`Profile`], a fully resolved value with every default filled
//! in, which is what the generator, the plan and the manifest use. Every
//! problem names the key at fault.

use crate::merge::Strategy;
use crate::model::{Ids, Layout, NodeKind, Provenance, RelKind, Shape, Share};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The largest number of regions or data centres a profile may ask for; their
/// partition tables are held in memory (8 bytes each).
pub const MAX_PARENTS: u64 = 1 << 20;

/// The largest count of any one kind (ids are formatted from u64; 2^40 is far
/// beyond any estate and keeps every product in this crate inside u128).
pub const MAX_COUNT: u64 = 1 << 40;

/// The most volumes per storage array a profile may ask for: with the
/// smallest capacity of the array catalogue, every volume still gets whole
/// gigabytes of its share.
pub const MAX_VOLUMES_PER_ARRAY: u64 = 10_000;

/// The built-in profiles, by name, with their TOML text.
pub const BUILTIN: &[(&str, &str)] = &[
    ("tiny", include_str!("profiles/tiny.toml")),
    ("small", include_str!("profiles/small.toml")),
    ("medium", include_str!("profiles/medium.toml")),
    ("large", include_str!("profiles/large.toml")),
    ("enterprise", include_str!("profiles/enterprise.toml")),
    ("xlarge", include_str!("profiles/xlarge.toml")),
];

/// The names of the built-in profiles, in order.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// A profile error: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError(pub String);

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProfileError {}

fn err<T>(msg: impl Into<String>) -> Result<T, ProfileError> {
    Err(ProfileError(msg.into()))
}

/// A fan-out distribution: how many distinct ends each start node has.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum Dist {
    /// Always `n`.
    Fixed {
        /// The degree.
        n: u32,
    },
    /// Uniform in `min..=max`.
    Uniform {
        /// Smallest degree.
        min: u32,
        /// Largest degree.
        max: u32,
    },
    /// Discrete Pareto: `floor(min / u^(1/alpha))`, capped at `max`; most
    /// nodes have about `min`, a few have hundreds. A share `zero` of the
    /// nodes has no ends at all (leaves).
    Pareto {
        /// Smallest degree of a node that has ends (≥ 1).
        min: u32,
        /// Largest degree.
        max: u32,
        /// Tail index; smaller is heavier.
        alpha: f64,
        /// The share of nodes with degree 0, in `[0, 1)`.
        #[serde(default, skip_serializing_if = "is_zero")]
        zero: f64,
    },
}

impl Dist {
    /// The degree for a uniform draw `u` in `(0, 1]` and a 64-bit draw `h`.
    #[inline]
    pub fn sample(&self, h: u64) -> u64 {
        match *self {
            Dist::Fixed { n } => u64::from(n),
            Dist::Uniform { min, max } => {
                u64::from(min) + crate::rng::below(h, u64::from(max - min) + 1)
            }
            Dist::Pareto {
                min,
                max,
                alpha,
                zero,
            } => {
                // One draw decides both: below `zero` a leaf, above it the
                // rest of the unit interval, stretched, is the Pareto draw.
                let mut u = crate::rng::unit(h);
                if u <= zero {
                    return 0;
                }
                if zero > 0.0 {
                    u = (u - zero) / (1.0 - zero);
                }
                let d = f64::from(min) / u.powf(1.0 / alpha);
                if d >= f64::from(max) {
                    u64::from(max)
                } else {
                    crate::cast::whole(d)
                }
            }
        }
    }

    /// The smallest degree the distribution can give.
    pub fn min(&self) -> u64 {
        match *self {
            Dist::Fixed { n } => u64::from(n),
            Dist::Pareto { zero, .. } if zero > 0.0 => 0,
            Dist::Uniform { min, .. } | Dist::Pareto { min, .. } => u64::from(min),
        }
    }

    /// The largest degree the distribution can give.
    pub fn max(&self) -> u64 {
        match *self {
            Dist::Fixed { n } => u64::from(n),
            Dist::Uniform { max, .. } | Dist::Pareto { max, .. } => u64::from(max),
        }
    }
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// A fan-out family's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fanout {
    /// Degree per start node.
    #[serde(flatten)]
    pub dist: Dist,
    /// Popularity skew of the ends: 1 = uniform, larger = a few very popular.
    pub target_skew: f64,
}

/// A source system or team that reports records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The name written in `source` columns.
    pub name: String,
    /// Relative share of the records it reports (single-source mode), or of
    /// the records no coverage draw hit (multi-source mode).
    pub weight: u32,
    /// The node kinds it reports (relationships take their start kind's).
    pub kinds: Vec<NodeKind>,
    /// Its trust rank, 1 = most trusted; distinct over the sources.
    #[serde(default = "one")]
    pub priority: u32,
    /// The share of each listed kind it reports (multi-source mode; events
    /// have none: each is reported by one source picked by weight).
    #[serde(default)]
    pub coverage: BTreeMap<NodeKind, f64>,
    /// The share of its attribute values left empty.
    #[serde(default)]
    pub missing: f64,
    /// The share of its attribute values that are out of date.
    #[serde(default)]
    pub stale: f64,
    /// Its observations are 0 to 2 x `lag_days` old.
    #[serde(default = "default_lag")]
    pub lag_days: u32,
}

fn one() -> u32 {
    1
}

fn default_lag() -> u32 {
    DEFAULT_LAG_DAYS
}

/// The default `lag_days` of a source (and the only one in single-source mode).
pub const DEFAULT_LAG_DAYS: u32 = 7;

/// The most sources a multi-source profile may have (a record's reports
/// are kept in a small fixed array while it is merged).
pub const MAX_SOURCES: usize = 16;

/// The `[merge]` table: multi-source generation (docs/sources.md).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Merge {
    /// How the written value is chosen among the sources' values.
    pub strategy: Strategy,
    /// 0..1: how strongly the sources' coverage draws are shared.
    pub overlap: f64,
}

/// `affects` as a manifest writes it: the first five slots always, the
/// later ones (pods) up to the last non-zero one, so that a profile that
/// never weighs pods keeps the manifest (and fingerprint) it had before
/// pods could be affected; reading pads the missing slots with zeros.
mod affects_form {
    use crate::model::RelKind;
    use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};

    const N: usize = RelKind::AFFECTS.len();
    /// The slots every manifest has.
    const ALWAYS: usize = 5;

    pub(super) fn serialize<S: Serializer>(w: &[u32; N], s: S) -> Result<S::Ok, S::Error> {
        let end = w.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
        w[..end.max(ALWAYS)].serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u32; N], D::Error> {
        let v = Vec::<u32>::deserialize(d)?;
        let mut w = [0; N];
        w.get_mut(..v.len())
            .ok_or_else(|| {
                D::Error::invalid_length(v.len(), &"at most one weight per AFFECTS family")
            })?
            .copy_from_slice(&v);
        Ok(w)
    }
}

/// A fully resolved profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The profile's name.
    pub name: String,
    /// The seed; with the profile, it fixes every byte of the output.
    pub seed: u64,
    /// Node count per kind.
    pub nodes: BTreeMap<NodeKind, u64>,
    /// Fan-out settings per fan-out family.
    pub fanout: BTreeMap<RelKind, Fanout>,
    /// Weights of the kinds an event affects, in [`RelKind::AFFECTS`] order.
    #[serde(with = "affects_form")]
    pub affects: [u32; RelKind::AFFECTS.len()],
    /// Popularity skew of the CIs that events affect.
    pub affects_skew: f64,
    /// Weights of event types: alert, incident, change.
    pub event_types: [u32; 3],
    /// Pareto tail index of data-centre and region sizes (smaller = more skewed).
    pub size_alpha: f64,
    /// The source systems; in multi-source mode in priority order.
    pub sources: Vec<Source>,
    /// Which shares of servers and databases are cluster members.
    #[serde(default)]
    pub clusters: Clusters,
    /// How servers divide into cloud, physical, virtual and container ones.
    #[serde(default)]
    pub compute: Compute,
    /// Multi-source generation, if the profile has a `[merge]` table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<Merge>,
    /// Whether the provenance columns follow the profile or are always
    /// written (`--provenance`); part of the run key, as it changes the bytes.
    #[serde(default)]
    pub provenance: ProvenanceMode,
    /// How the bundle's import files identify nodes (`--ids`); part of the
    /// run key, as it changes the bytes. Left out when `string`, so string
    /// bundles keep the bytes they had before the option existed.
    #[serde(default, skip_serializing_if = "Ids::is_string")]
    pub ids: Ids,
    /// When the estate is seen: the reference instant and the event window.
    #[serde(default)]
    pub time: Time,
    /// Which share of the applications run as pods. Left out when the
    /// default, so serialised profiles without it keep their text.
    #[serde(default, skip_serializing_if = "Kubernetes::is_default")]
    pub kubernetes: Kubernetes,
}

/// The `[kubernetes]` table: the share of the applications that run as
/// pods (the last ones; every pod is a replica of one of them).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kubernetes {
    /// The share of applications with pods (`kubernetes.applications`).
    pub applications: f64,
}

impl Default for Kubernetes {
    fn default() -> Self {
        Kubernetes { applications: 0.3 }
    }
}

impl Kubernetes {
    /// Whether every value is the default.
    pub fn is_default(&self) -> bool {
        *self == Kubernetes::default()
    }
}

/// The most namespaces per Kubernetes cluster a profile may ask for: each
/// gets a name of its own within its cluster.
pub const MAX_NAMESPACES_PER_CLUSTER: u64 = 1_000;

/// The `[time]` table: the instant the estate is seen at and how far back
/// its events go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Time {
    /// Seconds since the Unix epoch, UTC: discoveries and events end here,
    /// and `changes` day 1 starts here.
    pub reference: i64,
    /// Events fall in this many days before the reference.
    pub event_window_days: u32,
}

/// The default reference: 2026-11-01T00:00:00Z.
pub const DEFAULT_REFERENCE: i64 = 1_793_491_200;

/// The longest event window: ten years, inside the fourteen years of
/// creation times (a pod's span follows the window), so the oldest CIs
/// predate every event.
pub const MAX_EVENT_WINDOW_DAYS: u32 = 3_650;

impl Default for Time {
    fn default() -> Time {
        Time {
            reference: DEFAULT_REFERENCE,
            event_window_days: 365,
        }
    }
}

/// The `[clusters]` table: the shares of servers and databases that are
/// members of a cluster (where their data centre has one).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Clusters {
    /// The share of servers in a cluster (`clusters.servers`).
    pub servers: f64,
    /// The share of databases in a cluster (`clusters.databases`).
    pub databases: f64,
}

impl Default for Clusters {
    fn default() -> Self {
        Clusters {
            servers: 0.3,
            databases: 0.2,
        }
    }
}

/// The `[compute]` table: the server mix. Shares are of all servers; the
/// virtual servers are the rest. Cloud servers are the last ones; each data
/// centre's range holds its physical servers first (hypervisor hosts
/// leading), then virtual, then container ones.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Compute {
    /// The share of cloud servers (`compute.cloud`).
    pub cloud: f64,
    /// The share of physical servers (`compute.physical`).
    pub physical: f64,
    /// The share of container servers (`compute.container`).
    pub container: f64,
    /// The share of physical servers that host virtual ones
    /// (`compute.hypervisors`).
    pub hypervisors: f64,
}

impl Default for Compute {
    fn default() -> Self {
        // Today's mix: 15% physical, 45% virtual, 20% container, 20% cloud.
        Compute {
            cloud: 0.2,
            physical: 0.15,
            container: 0.2,
            hypervisors: 0.5,
        }
    }
}

/// The most virtual servers a hypervisor host carries on average: a host's
/// row sums its guests' sizes.
pub const MAX_VMS_PER_HOST: f64 = 1000.0;

/// `--provenance`: which provenance columns a bundle carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProvenanceMode {
    /// `sources` and `observed_at` only where they carry information: in
    /// multi-source profiles; single-source bundles write `source` alone.
    #[default]
    Auto,
    /// `source`, `sources` and `observed_at` in every profile.
    Full,
}

impl Profile {
    /// The provenance columns this profile's tables carry: `sources` and
    /// `observed_at` only where several sources can report an item (a
    /// `[merge]` table), or when asked for.
    pub fn provenance(&self) -> Provenance {
        if self.merge.is_some() || self.provenance == ProvenanceMode::Full {
            Provenance::Full
        } else {
            Provenance::SourceOnly
        }
    }

    /// The count of a node kind.
    pub fn count(&self, k: NodeKind) -> u64 {
        self.nodes.get(&k).copied().unwrap_or(0)
    }

    /// The number of nodes in a share of their kind.
    pub fn share_count(&self, s: Share) -> u64 {
        share_count(&self.nodes, &self.compute, s)
    }

    /// A built-in profile by name; `None` when no built-in has that name.
    pub fn builtin(name: &str) -> Option<Result<Profile, ProfileError>> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        Some(Profile::parse(text, name))
    }

    /// Loads a built-in profile by name. A profile file is read at the edge
    /// (`profile_file::load`, which takes a name or a path).
    pub fn load(name: &str) -> Result<Profile, ProfileError> {
        Profile::builtin(name).unwrap_or_else(|| {
            err(format!(
                "profile '{name}' is not a built-in profile ({})",
                builtin_names().join(", ")
            ))
        })
    }

    /// Parses and validates profile TOML. `default_name` is used when the file
    /// has no `name`.
    pub fn parse(text: &str, default_name: &str) -> Result<Profile, ProfileError> {
        let raw: RawProfile = toml::from_str(text).map_err(|e| ProfileError(e.to_string()))?;
        raw.resolve(default_name)
    }
}

// ---------------------------------------------------------------------------
// The TOML form.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: Option<String>,
    #[allow(dead_code)]
    description: Option<String>,
    seed: Option<i64>,
    #[serde(default)]
    nodes: BTreeMap<String, toml::Value>,
    #[serde(default)]
    fanout: BTreeMap<String, RawFanout>,
    #[serde(default)]
    events: RawEvents,
    #[serde(default)]
    hierarchy: RawHierarchy,
    #[serde(default)]
    clusters: RawClusters,
    #[serde(default)]
    compute: RawCompute,
    #[serde(default)]
    sources: Vec<RawSource>,
    merge: Option<RawMerge>,
    #[serde(default)]
    time: RawTime,
    #[serde(default)]
    kubernetes: RawKubernetes,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawKubernetes {
    applications: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTime {
    reference: Option<String>,
    event_window_days: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMerge {
    strategy: Option<String>,
    overlap: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFanout {
    dist: String,
    n: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
    alpha: Option<f64>,
    zero: Option<f64>,
    target_skew: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEvents {
    #[serde(default)]
    affects: BTreeMap<String, i64>,
    affects_skew: Option<f64>,
    #[serde(default)]
    types: BTreeMap<String, i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawClusters {
    servers: Option<f64>,
    databases: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCompute {
    cloud: Option<f64>,
    physical: Option<f64>,
    container: Option<f64>,
    hypervisors: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHierarchy {
    size_alpha: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    weight: Option<i64>,
    kinds: Option<Vec<String>>,
    priority: Option<i64>,
    coverage: Option<toml::Value>,
    missing: Option<f64>,
    stale: Option<f64>,
    lag_days: Option<i64>,
}

/// The default fan-out of each fan-out family.
pub fn default_fanout(r: RelKind) -> Fanout {
    use RelKind as R;
    let (dist, target_skew) = match r {
        R::NetworkDeviceConnectsToServer => (
            Dist::Pareto {
                min: 2,
                max: 256,
                alpha: 1.3,
                zero: 0.0,
            },
            1.0,
        ),
        R::DatabaseRunsOnServer => (Dist::Fixed { n: 1 }, 1.5),
        R::ApplicationRunsOnServer => (Dist::Uniform { min: 1, max: 3 }, 1.2),
        R::ApplicationDependsOnDatabase => (Dist::Uniform { min: 0, max: 3 }, 2.0),
        // About 30% of applications depend on no other (leaves); the rest
        // keep a heavy tail, with the same mean degree as before (about 4).
        R::ApplicationDependsOnApplication => (
            Dist::Pareto {
                min: 1,
                max: 400,
                alpha: 1.05,
                zero: 0.3,
            },
            3.0,
        ),
        R::ApplicationSupportsBusinessService => (Dist::Uniform { min: 1, max: 2 }, 1.5),
        // Half the servers of a data centre with arrays use a volume (a few
        // shared datastores are popular); a database uses up to two.
        R::ServerUsesStorageStorageVolume => (Dist::Uniform { min: 0, max: 1 }, 1.5),
        R::DatabaseUsesStorageStorageVolume => (Dist::Uniform { min: 0, max: 2 }, 1.0),
        // A device's cabled interfaces: most devices a few, core switches
        // many; a quarter are not linked to an interface (routers, firewalls
        // facing other gear), which also lets a profile leave interfaces out.
        R::NetworkDeviceConnectsToNetworkInterface => (
            Dist::Pareto {
                min: 1,
                max: 128,
                alpha: 1.5,
                zero: 0.25,
            },
            1.0,
        ),
        _ => (Dist::Fixed { n: 1 }, 1.0),
    };
    Fanout { dist, target_skew }
}

const DEFAULT_SOURCES: &[(&str, u32)] = &[
    ("servicenow", 50),
    ("bmc-helix", 20),
    ("device42", 15),
    ("aws-config", 10),
    ("team-spreadsheet", 5),
];

fn non_negative(key: &str, v: i64) -> Result<u64, ProfileError> {
    if v < 0 {
        return err(format!("{key} must not be negative (got {v})"));
    }
    let v = v.unsigned_abs();
    if v > MAX_COUNT {
        return err(format!("{key} is too large (got {v}, at most {MAX_COUNT})"));
    }
    Ok(v)
}

fn u32_of(key: &str, v: i64) -> Result<u32, ProfileError> {
    let v = non_negative(key, v)?;
    u32::try_from(v).map_err(|_| ProfileError(format!("{key} is too large (got {v})")))
}

fn skew_of(key: &str, v: Option<f64>, default: f64) -> Result<f64, ProfileError> {
    let v = v.unwrap_or(default);
    if !(1.0..=16.0).contains(&v) {
        return err(format!("{key} must be between 1 and 16 (got {v})"));
    }
    Ok(v)
}

/// The kinds a profile counts and sources report (every node kind that is
/// not written by the merge itself).
pub fn profile_kinds() -> &'static [NodeKind] {
    &NodeKind::ESTATE
}

/// Parses a kind a profile may name (`nodes.<Kind>`, `sources[].kinds`).
fn profile_kind(name: &str) -> Option<NodeKind> {
    NodeKind::from_name(name).filter(|k| profile_kinds().contains(k))
}

/// Every listed configuration-item kind at coverage `c` (events have none).
fn coverage_all(kinds: &[NodeKind], c: f64) -> BTreeMap<NodeKind, f64> {
    kinds
        .iter()
        .filter(|k| k.is_ci())
        .map(|&k| (k, c))
        .collect()
}

/// Checks that the profile describes a graph the import can take: some
/// nodes, and for each fan-out family whose nodes must have an end (its
/// smallest degree is at least 1), some nodes to end at. (Placement into
/// data centres and regions is checked with the counts.)
fn check_graph(
    nodes: &BTreeMap<NodeKind, u64>,
    fanout: &BTreeMap<RelKind, Fanout>,
) -> Result<(), ProfileError> {
    let count = |k: NodeKind| nodes.get(&k).copied().unwrap_or(0);
    if nodes.values().all(|&n| n == 0) {
        return err(
            "nodes: the profile has no nodes; give at least one count under [nodes] (e.g. nodes.Server = 100, with nodes.DataCenter and nodes.Region)",
        );
    }
    for (r, f) in fanout {
        let spec = r.spec();
        let (start, end) = (count(spec.start), count(spec.end));
        if start > 0 && end == 0 && f.dist.min() >= 1 {
            return err(format!(
                "nodes.{} is 0, but each of the {start} {} nodes needs at least {} in fanout.{} (its smallest degree): give nodes.{} a count, or set fanout.{}.min = 0 (or nodes.{} = 0)",
                spec.end,
                spec.start,
                f.dist.min(),
                r.name(),
                spec.end,
                r.name(),
                spec.start
            ));
        }
    }
    Ok(())
}

/// A share in 0..=1 (`default` when absent).
fn unit_of(key: &str, v: Option<f64>, default: f64) -> Result<f64, ProfileError> {
    let v = v.unwrap_or(default);
    if !(0.0..=1.0).contains(&v) {
        return err(format!("{key} must be between 0 and 1 (got {v})"));
    }
    Ok(v)
}

impl RawProfile {
    /// Validates every section and builds the profile, section by section in
    /// file order, so the first error names the first bad key.
    fn resolve(self, default_name: &str) -> Result<Profile, ProfileError> {
        let name = self.name.unwrap_or_else(|| default_name.to_string());
        let seed = match self.seed {
            None => 42,
            Some(s) => non_negative("seed", s)?,
        };
        let compute = resolve_compute(&self.compute)?;
        let nodes = resolve_nodes(&self.nodes, &compute)?;
        let fanout = resolve_fanouts(self.fanout)?;
        let events = resolve_events(
            &self.events,
            count_of(&nodes, NodeKind::Event),
            count_of(&nodes, NodeKind::Pod),
        )?;
        let size_alpha = self.hierarchy.size_alpha.unwrap_or(1.2);
        if !(size_alpha.is_finite() && size_alpha > 0.0) {
            return err(format!(
                "hierarchy.size_alpha must be positive (got {size_alpha})"
            ));
        }
        let d = Clusters::default();
        let clusters = Clusters {
            servers: unit_of("clusters.servers", self.clusters.servers, d.servers)?,
            databases: unit_of("clusters.databases", self.clusters.databases, d.databases)?,
        };
        let merge = resolve_merge(self.merge)?;
        let sources = resolve_sources(self.sources, merge.is_some(), &nodes)?;
        check_graph(&nodes, &fanout)?;
        let time = resolve_time(&self.time)?;
        let kubernetes = Kubernetes {
            applications: unit_of(
                "kubernetes.applications",
                self.kubernetes.applications,
                Kubernetes::default().applications,
            )?,
        };

        Ok(Profile {
            name,
            seed,
            nodes,
            fanout,
            affects: events.affects,
            affects_skew: events.affects_skew,
            event_types: events.types,
            size_alpha,
            sources,
            clusters,
            compute,
            merge,
            provenance: ProvenanceMode::Auto,
            ids: Ids::String,
            time,
            kubernetes,
        })
    }
}

/// The `[time]` table: `reference` as `YYYY-MM-DD` or
/// `YYYY-MM-DDTHH:MM:SSZ` (UTC, years 1990 to 2200), `event_window_days`
/// from 1 to [`MAX_EVENT_WINDOW_DAYS`].
fn resolve_time(raw: &RawTime) -> Result<Time, ProfileError> {
    let mut t = Time::default();
    if let Some(text) = &raw.reference {
        t.reference = parse_instant(text).ok_or_else(|| {
            ProfileError(format!(
                "time.reference must be a UTC date 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM:SSZ' between 1990 and 2200 (got '{text}')"
            ))
        })?;
    }
    if let Some(days) = raw.event_window_days {
        t.event_window_days = u32::try_from(days)
            .ok()
            .filter(|d| (1..=MAX_EVENT_WINDOW_DAYS).contains(d))
            .ok_or_else(|| {
                ProfileError(format!(
                    "time.event_window_days must be between 1 and {MAX_EVENT_WINDOW_DAYS} (got {days})"
                ))
            })?;
    }
    Ok(t)
}

/// Seconds since the epoch of `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`.
fn parse_instant(text: &str) -> Option<i64> {
    let (date, clock) = match text.split_once('T') {
        Some((d, c)) => (d, Some(c.strip_suffix('Z')?)),
        None => (text, None),
    };
    let num = |s: &str, len: usize| -> Option<i64> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let mut parts = date.split('-');
    let y = num(parts.next()?, 4)?;
    let m = num(parts.next()?, 2)?;
    let d = num(parts.next()?, 2)?;
    if parts.next().is_some() || !(1990..=2200).contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d < 1 || d > month_days[usize::try_from(m - 1).ok()?] {
        return None;
    }
    let mut secs = 0;
    if let Some(c) = clock {
        let mut f = c.split(':');
        let (h, mi, s) = (num(f.next()?, 2)?, num(f.next()?, 2)?, num(f.next()?, 2)?);
        if f.next().is_some() || h > 23 || mi > 59 || s > 59 {
            return None;
        }
        secs = h * 3600 + mi * 60 + s;
    }
    Some(days_from_civil(y, m, d) * 86_400 + secs)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month 1-12, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Node counts: absolute counts first, then ratios of those counts, then
/// zero for every kind not given; checks the hierarchy can place them.
fn resolve_nodes(
    raw: &BTreeMap<String, toml::Value>,
    compute: &Compute,
) -> Result<BTreeMap<NodeKind, u64>, ProfileError> {
    let mut nodes = BTreeMap::new();
    let mut ratios = Vec::new();
    for (key, value) in raw {
        let kind = profile_kind(key).ok_or_else(|| {
            let names: Vec<_> = profile_kinds().iter().map(|k| k.name()).collect();
            ProfileError(format!(
                "unknown node kind 'nodes.{key}' (expected one of {})",
                names.join(", ")
            ))
        })?;
        let full = format!("nodes.{key}");
        match value {
            toml::Value::Integer(n) => {
                nodes.insert(kind, non_negative(&full, *n)?);
            }
            toml::Value::Table(t) => {
                let (ratio, of) = node_ratio(&full, t)?;
                ratios.push((kind, full, ratio, of));
            }
            _ => {
                return err(format!(
                    "{full} must be a count or {{ ratio = R, of = \"Kind\" }}"
                ))
            }
        }
    }
    for (kind, full, ratio, of) in ratios {
        let Some(&base) = nodes.get(&of) else {
            return err(format!(
                "{full}.of = \"{of}\" must name a kind given as a count, not a ratio or a missing kind"
            ));
        };
        let n = (base as f64 * ratio).round();
        if n > MAX_COUNT as f64 {
            return err(format!("{full} is too large ({n})"));
        }
        nodes.insert(kind, crate::cast::whole(n));
    }
    for &k in profile_kinds() {
        nodes.entry(k).or_insert(0);
    }
    check_hierarchy(&nodes, compute)?;
    check_kubernetes(&nodes)?;
    check_storage(&nodes)?;
    Ok(nodes)
}

/// The `[compute]` shares: each in 0..=1, together at most 1, and enough
/// hypervisor hosts for the virtual servers.
fn resolve_compute(raw: &RawCompute) -> Result<Compute, ProfileError> {
    let d = Compute::default();
    let c = Compute {
        cloud: unit_of("compute.cloud", raw.cloud, d.cloud)?,
        physical: unit_of("compute.physical", raw.physical, d.physical)?,
        container: unit_of("compute.container", raw.container, d.container)?,
        hypervisors: unit_of("compute.hypervisors", raw.hypervisors, d.hypervisors)?,
    };
    let taken = c.cloud + c.physical + c.container;
    if taken > 1.0 + 1e-9 {
        return err(format!(
            "compute.cloud + compute.physical + compute.container must be at most 1 (got {taken}); the virtual servers are the rest"
        ));
    }
    let virtual_share = (1.0 - taken).max(0.0);
    if virtual_share > 1e-9 && c.physical * c.hypervisors * MAX_VMS_PER_HOST < virtual_share {
        return err(format!(
            "compute.hypervisors: {} of the {} physical share hosts too few for the {virtual_share:.3} virtual share (at most {MAX_VMS_PER_HOST} virtual servers per host; raise compute.physical or compute.hypervisors)",
            c.hypervisors, c.physical
        ));
    }
    Ok(c)
}

/// The number of nodes in share `s` of their kind. Cloud servers need a
/// zone and an account to be placed in: without both, every server is on
/// premises.
fn share_count(nodes: &BTreeMap<NodeKind, u64>, compute: &Compute, s: Share) -> u64 {
    match s {
        Share::CloudServers => {
            let cloud = count_of(nodes, NodeKind::AvailabilityZone) > 0
                && count_of(nodes, NodeKind::CloudAccount) > 0;
            let v = if cloud { compute.cloud } else { 0.0 };
            s.count(count_of(nodes, s.kind()), v)
        }
    }
}

/// The most availability zones per region: a zone's name ends with a
/// letter (`us-east-1a`).
pub const MAX_ZONES_PER_REGION: u64 = 26;

/// The most regions a profile with availability zones may have: zone names
/// come from a table built once per process.
pub const MAX_ZONED_REGIONS: u64 = 256;

/// `nodes.X = { ratio = R, of = "Kind" }`: the ratio and the kind it scales.
fn node_ratio(full: &str, t: &toml::Table) -> Result<(f64, NodeKind), ProfileError> {
    for k in t.keys() {
        if k != "ratio" && k != "of" {
            return err(format!(
                "unknown key '{full}.{k}' (expected 'ratio' and 'of')"
            ));
        }
    }
    let ratio = match t.get("ratio") {
        Some(toml::Value::Float(f)) => *f,
        Some(toml::Value::Integer(i)) => *i as f64,
        _ => return err(format!("{full}.ratio must be a number")),
    };
    if !ratio.is_finite() {
        return err(format!(
            "{full}.ratio must be a finite number (got {ratio})"
        ));
    }
    if ratio < 0.0 {
        return err(format!("{full}.ratio must not be negative (got {ratio})"));
    }
    let of = match t.get("of") {
        Some(toml::Value::String(s)) => profile_kind(s)
            .ok_or_else(|| ProfileError(format!("{full}.of names an unknown kind '{s}'")))?,
        _ => return err(format!("{full}.of must name a node kind")),
    };
    Ok((ratio, of))
}

/// The count of `k` (0 when absent).
fn count_of(nodes: &BTreeMap<NodeKind, u64>, k: NodeKind) -> u64 {
    nodes.get(&k).copied().unwrap_or(0)
}

/// Regions and data centres stay within the partition limit, and every
/// placed kind has at least one parent to be placed in.
fn check_hierarchy(nodes: &BTreeMap<NodeKind, u64>, compute: &Compute) -> Result<(), ProfileError> {
    let count = |k: NodeKind| count_of(nodes, k);
    let (zones, regions) = (count(NodeKind::AvailabilityZone), count(NodeKind::Region));
    if zones > MAX_ZONES_PER_REGION * regions && regions > 0 {
        return err(format!(
            "nodes.AvailabilityZone = {zones} is more than {MAX_ZONES_PER_REGION} per region (nodes.Region = {regions})"
        ));
    }
    if zones > 0 && regions > MAX_ZONED_REGIONS {
        return err(format!(
            "nodes.Region = {regions}: availability zones are named for at most {} regions",
            MAX_ZONED_REGIONS
        ));
    }
    // Parent kinds with a skew-sized layout are held in a table.
    let mut tabled: Vec<NodeKind> = RelKind::ALL
        .iter()
        .filter(|r| matches!(r.parent_layout(), Some(Layout::Skewed(_))))
        .map(|r| r.spec().end)
        .collect();
    tabled.dedup();
    for k in tabled {
        if count(k) > MAX_PARENTS {
            return err(format!(
                "nodes.{k} = {} is more than the supported {MAX_PARENTS}",
                count(k)
            ));
        }
    }
    // Every parent- or owner-shaped family places each node of one kind in
    // a node of another (a family over part of its kind only that part);
    // installs are placed on servers, and subnets in data centres, by their
    // own (optional-shaped) families.
    let placed_count = |r: RelKind, child: NodeKind| {
        let part = r.parent_part();
        let tail = part.share().map_or(0, |s| share_count(nodes, compute, s));
        let range = part.range(count(child), tail);
        range.end - range.start
    };
    let placed = RelKind::ALL
        .iter()
        .filter_map(|&r| {
            r.placement()
                .map(|(child, parent)| (child, placed_count(r, child), parent))
        })
        .chain([
            (
                NodeKind::SoftwareInstall,
                count(NodeKind::SoftwareInstall),
                NodeKind::Server,
            ),
            (
                NodeKind::Subnet,
                count(NodeKind::Subnet),
                NodeKind::DataCenter,
            ),
        ]);
    for (child, n, parent) in placed {
        if n > 0 && count(parent) == 0 {
            return err(format!(
                "nodes.{parent} must be at least 1 when nodes.{child} is {} (every {child} is placed in a {parent})",
                count(child)
            ));
        }
    }
    // Each site's addresses lie in its own subnets: at least one subnet
    // per data centre and availability zone.
    let (addresses, subnets, sites) = (
        count(NodeKind::IPAddress),
        count(NodeKind::Subnet),
        count(NodeKind::DataCenter) + count(NodeKind::AvailabilityZone),
    );
    if addresses > 0 && subnets < sites {
        return err(format!(
            "nodes.Subnet = {subnets} must be at least nodes.DataCenter + nodes.AvailabilityZone = {sites} when nodes.IPAddress is {addresses} (each site's addresses lie in its own subnets)"
        ));
    }
    Ok(())
}

/// Namespaces per cluster stay few enough that each has a name of its own
/// in its cluster.
fn check_kubernetes(nodes: &BTreeMap<NodeKind, u64>) -> Result<(), ProfileError> {
    let (clusters, namespaces) = (
        count_of(nodes, NodeKind::KubernetesCluster),
        count_of(nodes, NodeKind::Namespace),
    );
    let most = u128::from(clusters) * u128::from(MAX_NAMESPACES_PER_CLUSTER);
    if u128::from(namespaces) > most {
        return err(format!(
            "nodes.Namespace = {namespaces} is more than {MAX_NAMESPACES_PER_CLUSTER} per Kubernetes cluster (nodes.KubernetesCluster = {clusters})"
        ));
    }
    Ok(())
}

/// Volumes per array stay few enough that each gets whole gigabytes of its
/// array's capacity.
fn check_storage(nodes: &BTreeMap<NodeKind, u64>) -> Result<(), ProfileError> {
    let (arrays, volumes) = (
        count_of(nodes, NodeKind::StorageArray),
        count_of(nodes, NodeKind::StorageVolume),
    );
    let most = u128::from(arrays) * u128::from(MAX_VOLUMES_PER_ARRAY);
    if u128::from(volumes) > most {
        return err(format!(
            "nodes.StorageVolume = {volumes} is more than {} per storage array (nodes.StorageArray = {arrays})",
            MAX_VOLUMES_PER_ARRAY
        ));
    }
    Ok(())
}

/// Fan-outs: every fan-out family's default, replaced where the profile
/// gives one.
fn resolve_fanouts(
    raw: BTreeMap<String, RawFanout>,
) -> Result<BTreeMap<RelKind, Fanout>, ProfileError> {
    let mut fanout = BTreeMap::new();
    for r in RelKind::ALL {
        if r.spec().shape == Shape::Fanout {
            fanout.insert(r, default_fanout(r));
        }
    }
    for (key, f) in raw {
        let full = format!("fanout.{key}");
        let r = RelKind::from_name(&key)
            .filter(|r| r.spec().shape == Shape::Fanout)
            .ok_or_else(|| {
                let names: Vec<_> = fanout.keys().map(|r| r.name()).collect();
                ProfileError(format!(
                    "unknown fan-out family '{full}' (expected one of {})",
                    names.join(", ")
                ))
            })?;
        let dist = fanout_dist(&full, &f)?;
        if dist.max() > 1_000_000 {
            return err(format!("{full} allows more than 1,000,000 ends per node"));
        }
        let target_skew = skew_of(&format!("{full}.target_skew"), f.target_skew, 1.0)?;
        fanout.insert(r, Fanout { dist, target_skew });
    }
    Ok(fanout)
}

/// One fan-out's distribution, with the keys its `dist` needs.
fn fanout_dist(full: &str, f: &RawFanout) -> Result<Dist, ProfileError> {
    let req = |v: Option<i64>, k: &str| -> Result<u32, ProfileError> {
        match v {
            Some(v) => u32_of(&format!("{full}.{k}"), v),
            None => err(format!("{full}.{k} is required for dist = \"{}\"", f.dist)),
        }
    };
    Ok(match f.dist.as_str() {
        "fixed" => Dist::Fixed { n: req(f.n, "n")? },
        "uniform" => {
            let (min, max) = (req(f.min, "min")?, req(f.max, "max")?);
            if min > max {
                return err(format!("{full}.min ({min}) is larger than max ({max})"));
            }
            Dist::Uniform { min, max }
        }
        "pareto" => {
            let (min, max) = (req(f.min, "min")?, req(f.max, "max")?);
            if min == 0 {
                return err(format!(
                    "{full}.min must be at least 1 for a pareto fan-out"
                ));
            }
            if min > max {
                return err(format!("{full}.min ({min}) is larger than max ({max})"));
            }
            let alpha = f.alpha.unwrap_or(1.5);
            if !(alpha.is_finite() && alpha > 0.0) {
                return err(format!("{full}.alpha must be positive (got {alpha})"));
            }
            let zero = f.zero.unwrap_or(0.0);
            if !(0.0..1.0).contains(&zero) {
                return err(format!(
                    "{full}.zero must be at least 0 and below 1 (got {zero})"
                ));
            }
            Dist::Pareto {
                min,
                max,
                alpha,
                zero,
            }
        }
        other => {
            return err(format!(
                "{full}.dist = \"{other}\" is not one of fixed, uniform, pareto"
            ))
        }
    })
}

/// The `[events]` section resolved.
struct Events {
    affects: [u32; RelKind::AFFECTS.len()],
    affects_skew: f64,
    types: [u32; 3],
}

/// Event weights: which kinds events affect, how skewed, and the mix of
/// event types; the defaults where the profile gives none.
fn resolve_events(raw: &RawEvents, events: u64, pods: u64) -> Result<Events, ProfileError> {
    // Pods' default weight only counts in profiles with pods (a kind
    // without nodes is never drawn), so the others keep their events and
    // their manifests (see `affects_form`).
    let mut affects = [50u32, 10, 15, 20, 5, if pods > 0 { 10 } else { 0 }];
    if !raw.affects.is_empty() {
        affects = [0; RelKind::AFFECTS.len()];
        for (key, w) in &raw.affects {
            let full = format!("events.affects.{key}");
            let slot = RelKind::AFFECTS
                .iter()
                .position(|r| r.spec().end.name() == key)
                .ok_or_else(|| {
                    let kinds: Vec<_> = RelKind::AFFECTS
                        .iter()
                        .map(|r| r.spec().end.name())
                        .collect();
                    ProfileError(format!(
                        "unknown kind '{full}' (events can affect {})",
                        kinds.join(", ")
                    ))
                })?;
            affects[slot] = u32_of(&full, *w)?;
        }
        if affects.iter().all(|&w| w == 0) && events > 0 {
            return err("events.affects weights are all zero, but the profile has events");
        }
    }
    let affects_skew = skew_of("events.affects_skew", raw.affects_skew, 2.0)?;
    let mut types = [70u32, 20, 10];
    if !raw.types.is_empty() {
        types = [0; 3];
        for (key, w) in &raw.types {
            let full = format!("events.types.{key}");
            let slot = ["alert", "incident", "change"]
                .iter()
                .position(|t| t == key)
                .ok_or_else(|| {
                    ProfileError(format!(
                        "unknown event type '{full}' (expected alert, incident, change)"
                    ))
                })?;
            types[slot] = u32_of(&full, *w)?;
        }
        if types.iter().all(|&w| w == 0) {
            return err("events.types weights are all zero");
        }
    }
    Ok(Events {
        affects,
        affects_skew,
        types,
    })
}

/// The `[merge]` table: present means multi-source generation.
fn resolve_merge(raw: Option<RawMerge>) -> Result<Option<Merge>, ProfileError> {
    let Some(m) = raw else { return Ok(None) };
    let strategy = match m.strategy {
        None => Strategy::default(),
        Some(s) => s
            .parse::<Strategy>()
            .map_err(|e| ProfileError(format!("merge.strategy: {e}")))?,
    };
    let overlap = unit_of("merge.overlap", m.overlap, 0.5)?;
    Ok(Some(Merge { strategy, overlap }))
}

/// The sources: the default ones when none are given, each given one
/// checked, distinct priorities, every counted kind reported by some
/// source, and the final ranks (or neutral fields without `[merge]`).
fn resolve_sources(
    raw: Vec<RawSource>,
    has_merge: bool,
    nodes: &BTreeMap<NodeKind, u64>,
) -> Result<Vec<Source>, ProfileError> {
    let mut sources = Vec::new();
    if raw.is_empty() {
        for (i, (n, w)) in DEFAULT_SOURCES.iter().enumerate() {
            let kinds = profile_kinds().to_vec();
            sources.push(Source {
                name: n.to_string(),
                weight: *w,
                coverage: coverage_all(&kinds, 1.0),
                kinds,
                priority: crate::cast::small(i) + 1,
                missing: 0.0,
                stale: 0.0,
                lag_days: DEFAULT_LAG_DAYS,
            });
        }
    }
    let mut explicit = Vec::new();
    for (i, s) in raw.into_iter().enumerate() {
        let full = format!("sources[{i}]");
        check_source_name(&full, &s.name)?;
        if sources.iter().any(|x: &Source| x.name == s.name) {
            return err(format!("{full}.name = {:?} is given twice", s.name));
        }
        let source = resolve_source(&full, i, s, has_merge)?;
        if let Some(p) = source.1 {
            explicit.push((p, full.clone()));
        }
        sources.push(source.0);
    }
    explicit.sort();
    for w in explicit.windows(2) {
        if w[0].0 == w[1].0 {
            return err(format!(
                "{}.priority and {}.priority are both {}; priorities must be distinct",
                w[0].1, w[1].1, w[0].0
            ));
        }
    }
    for &k in profile_kinds() {
        if count_of(nodes, k) > 0 && !sources.iter().any(|s| s.kinds.contains(&k)) {
            return err(format!(
                "no source reports {k} (add it to some sources[].kinds)"
            ));
        }
    }
    rank_sources(sources, has_merge)
}

/// Source names end up in file names and ids: letters, digits, `-_.` only.
fn check_source_name(full: &str, name: &str) -> Result<(), ProfileError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return err(format!(
            "{full}.name = {name:?} must be non-empty and use only letters, digits, '-', '_' and '.'"
        ));
    }
    Ok(())
}

/// One `[[sources]]` entry (its name already checked), and its explicit
/// priority if it gave one (to check priorities are distinct across sources).
fn resolve_source(
    full: &str,
    i: usize,
    s: RawSource,
    has_merge: bool,
) -> Result<(Source, Option<u32>), ProfileError> {
    if !has_merge {
        for (key, given) in [
            ("priority", s.priority.is_some()),
            ("coverage", s.coverage.is_some()),
            ("missing", s.missing.is_some()),
            ("stale", s.stale.is_some()),
            ("lag_days", s.lag_days.is_some()),
        ] {
            if given {
                return err(format!(
                    "{full}.{key} needs a [merge] table (multi-source generation, docs/sources.md)"
                ));
            }
        }
    }
    let weight = u32_of(&format!("{full}.weight"), s.weight.unwrap_or(1))?;
    if weight == 0 {
        return err(format!("{full}.weight must be at least 1"));
    }
    let kinds: Vec<NodeKind> = match s.kinds {
        None => profile_kinds().to_vec(),
        Some(ks) => ks
            .iter()
            .map(|k| {
                profile_kind(k).ok_or_else(|| {
                    ProfileError(format!("{full}.kinds names an unknown kind '{k}'"))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let (priority, explicit) = match s.priority {
        None => (crate::cast::small(i) + 1, None),
        Some(p) => {
            let p = u32_of(&format!("{full}.priority"), p)?;
            if p == 0 {
                return err(format!(
                    "{full}.priority must be at least 1 (1 = most trusted)"
                ));
            }
            (p, Some(p))
        }
    };
    let coverage = source_coverage(full, s.coverage, &kinds)?;
    let missing = unit_of(&format!("{full}.missing"), s.missing, 0.0)?;
    let stale = unit_of(&format!("{full}.stale"), s.stale, 0.0)?;
    if missing + stale > 1.0 {
        return err(format!(
            "{full}.missing + {full}.stale must be at most 1 (got {})",
            missing + stale
        ));
    }
    let lag_days = match s.lag_days {
        None => DEFAULT_LAG_DAYS,
        Some(d) => {
            let d = u32_of(&format!("{full}.lag_days"), d)?;
            if d > 3650 {
                return err(format!("{full}.lag_days must be at most 3650 (got {d})"));
            }
            d
        }
    };
    let source = Source {
        name: s.name,
        weight,
        kinds,
        priority,
        coverage,
        missing,
        stale,
        lag_days,
    };
    Ok((source, explicit))
}

/// A source's coverage: one fraction for all its kinds, or a table of them
/// per kind (the others stay at 1).
fn source_coverage(
    full: &str,
    raw: Option<toml::Value>,
    kinds: &[NodeKind],
) -> Result<BTreeMap<NodeKind, f64>, ProfileError> {
    Ok(match raw {
        None => coverage_all(kinds, 1.0),
        Some(toml::Value::Float(f)) => {
            coverage_all(kinds, unit_of(&format!("{full}.coverage"), Some(f), 1.0)?)
        }
        Some(toml::Value::Integer(n)) => coverage_all(
            kinds,
            unit_of(&format!("{full}.coverage"), Some(n as f64), 1.0)?,
        ),
        Some(toml::Value::Table(t)) => {
            let mut c = coverage_all(kinds, 1.0);
            for (k, v) in &t {
                let key = format!("{full}.coverage.{k}");
                let kind = profile_kind(k)
                    .ok_or_else(|| ProfileError(format!("{key}: unknown kind '{k}'")))?;
                if !c.contains_key(&kind) {
                    return err(format!(
                        "{key}: {k} is not among {full}.kinds (an Event is reported by one source each, so it has no coverage)"
                    ));
                }
                let f = match v {
                    toml::Value::Float(f) => *f,
                    toml::Value::Integer(n) => *n as f64,
                    _ => return err(format!("{key} must be a number between 0 and 1")),
                };
                c.insert(kind, unit_of(&key, Some(f), 1.0)?);
            }
            c
        }
        Some(_) => {
            return err(format!(
                "{full}.coverage must be a number between 0 and 1 or a table of them per kind"
            ))
        }
    })
}

/// With `[merge]`: ranks 1..=n, explicit priorities first by value, the
/// others by their position. Without: positions, and no coverage model.
fn rank_sources(mut sources: Vec<Source>, has_merge: bool) -> Result<Vec<Source>, ProfileError> {
    if has_merge {
        if sources.len() > MAX_SOURCES {
            return err(format!(
                "a [merge] profile may have at most {MAX_SOURCES} sources (got {})",
                sources.len()
            ));
        }
        let mut order: Vec<usize> = (0..sources.len()).collect();
        order.sort_by_key(|&i| (sources[i].priority, i));
        let mut ranked: Vec<Option<Source>> = sources.into_iter().map(Some).collect();
        sources = order
            .iter()
            .enumerate()
            .map(|(rank, &i)| {
                let mut s = ranked[i].take().expect("each source is ranked once");
                s.priority = crate::cast::small(rank) + 1;
                s
            })
            .collect();
    } else {
        // Single-source mode: no quality model; the fields keep their
        // neutral values.
        for (i, s) in sources.iter_mut().enumerate() {
            s.priority = crate::cast::small(i) + 1;
            s.coverage = BTreeMap::new();
        }
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        for (name, _) in BUILTIN {
            let p = Profile::load(name).unwrap();
            assert_eq!(&p.name, name);
        }
    }

    fn parse_err(text: &str) -> String {
        Profile::parse(text, "t").unwrap_err().0
    }

    #[test]
    fn events_affect_pods_by_their_kind_key() {
        let nodes = "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 10\nEvent = 5\n";
        let p = Profile::load("tiny").unwrap();
        assert_eq!(p.affects, [50, 10, 15, 20, 5, 10], "the defaults");
        // Without pods, pods weigh nothing and a manifest writes five slots.
        let p = Profile::parse(nodes, "t").unwrap();
        assert_eq!(p.affects, [50, 10, 15, 20, 5, 0]);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["affects"], serde_json::json!([50, 10, 15, 20, 5]));
        let back: Profile = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
        let tiny = Profile::load("tiny").unwrap();
        let back: Profile = serde_json::from_value(serde_json::to_value(&tiny).unwrap()).unwrap();
        assert_eq!(back, tiny);
        let p = Profile::parse(
            &format!("{nodes}[events.affects]\nPod = 3\nServer = 1\n"),
            "t",
        );
        assert_eq!(p.unwrap().affects, [1, 0, 0, 0, 0, 3]);
        let e = parse_err(&format!("{nodes}[events.affects]\nContainer = 3\n"));
        assert!(
            e.contains("events.affects.Container") && e.contains("Pod"),
            "{e}"
        );
    }

    #[test]
    fn time_keys_resolve_and_errors_name_them() {
        let nodes = "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 10\n";
        let parse = |t: &str| Profile::parse(&format!("{nodes}[time]\n{t}"), "t");
        let p = parse("reference = \"2025-03-01\"\nevent_window_days = 30").unwrap();
        assert_eq!(p.time.reference, 1_740_787_200);
        assert_eq!(p.time.event_window_days, 30);
        let p = parse("reference = \"2026-11-01T06:30:00Z\"").unwrap();
        assert_eq!(p.time.reference, DEFAULT_REFERENCE + 6 * 3600 + 1800);
        assert_eq!(Profile::load("tiny").unwrap().time, Time::default());
        let bad_dates = [
            "2026-13-01",
            "2026-02-30",
            "1900-01-01",
            "2026-1-01",
            "2026-11-01T25:00:00Z",
            "soon",
        ];
        for bad in bad_dates {
            let e = parse(&format!("reference = \"{bad}\"")).unwrap_err().0;
            assert!(e.contains("time.reference") && e.contains(bad), "{e}");
        }
        for bad in [0, -1, 3651] {
            let e = parse(&format!("event_window_days = {bad}")).unwrap_err().0;
            assert!(e.contains("time.event_window_days"), "{e}");
        }
        assert!(parse("bogus = 1").unwrap_err().0.contains("bogus"));
        for z in [-800_000, -1, 0, 1, 20_000, 60_000, 200_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn errors_name_the_key() {
        assert!(parse_err("[nodes]\nServer = -3").contains("nodes.Server"));
        assert!(parse_err("[nodes]\nServers = 3").contains("nodes.Servers"));
        assert!(parse_err("bogus = 1").contains("bogus"));
        assert!(parse_err("[nodes]\nServer = 3\nDataCenter = 0").contains("nodes.DataCenter"));
        let e =
            parse_err("[fanout.Application-RUNS_ON-Server]\ndist = \"uniform\"\nmin = 5\nmax = 2");
        assert!(e.contains("fanout.Application-RUNS_ON-Server.min"), "{e}");
        let e = parse_err("[nodes]\nServer = 10\nDatabase = { ratio = -0.5, of = \"Server\" }");
        assert!(e.contains("nodes.Database.ratio"), "{e}");
        let e = parse_err("[nodes]\nDatabase = { ratio = 0.5, of = \"Server\" }");
        assert!(e.contains("nodes.Database.of"), "{e}");
        let e = parse_err("[[sources]]\nname = \"a;b\"");
        assert!(e.contains("sources[0].name"), "{e}");
    }

    #[test]
    fn a_pareto_fanout_may_leave_a_share_without_ends() {
        let fan = "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 2\nApplication = 3\nBusinessService = 1\n\
            [fanout.Application-DEPENDS_ON-Application]\ndist = \"pareto\"\nmin = 1\nmax = 50\n";
        let p = Profile::parse(&format!("{fan}zero = 0.25"), "t");
        let f = p.unwrap().fanout[&RelKind::ApplicationDependsOnApplication];
        assert!(matches!(f.dist, Dist::Pareto { zero, .. } if zero == 0.25));
        assert_eq!(f.dist.min(), 0);
        for bad in ["1.0", "-0.1", "nan"] {
            let e = parse_err(&format!("{fan}zero = {bad}"));
            assert!(e.contains("Application-DEPENDS_ON-Application.zero"), "{e}");
        }
        // The share of leaves is the share of draws at or below `zero`.
        let d = Dist::Pareto {
            min: 1,
            max: 50,
            alpha: 1.0,
            zero: 0.3,
        };
        let leaves = (0..10_000u64)
            .filter(|&j| d.sample(crate::rng::mix(j)) == 0)
            .count();
        assert!((2_700..3_300).contains(&leaves), "{leaves}");
    }

    #[test]
    fn graphs_the_import_cannot_take_are_refused() {
        for empty in ["", "[nodes]\n", "[nodes]\nServer = 0\nRegion = 0\n"] {
            let e = parse_err(empty);
            assert!(e.starts_with("nodes: the profile has no nodes"), "{e}");
        }
        let e = parse_err("[nodes]\nRegion = 1\nDataCenter = 1\nApplication = 5\n");
        assert!(
            e.starts_with("nodes.Server is 0") && e.contains("fanout.Application-RUNS_ON-Server"),
            "{e}"
        );
        // Optional ends are fine, and so is a family made optional.
        Profile::parse(
            "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 3\nApplication = 5\nBusinessService = 1\n",
            "t",
        )
        .unwrap();
        let e = parse_err(
            "[nodes]\nRegion = 1\nDataCenter = 1\nServer = { ratio = inf, of = \"Region\" }",
        );
        assert!(
            e.contains("nodes.Server.ratio must be a finite number"),
            "{e}"
        );
        let e = parse_err("[nodes]\nRegion = 1\nServer = { ratio = nan, of = \"Region\" }");
        assert!(e.contains("finite"), "{e}");
    }

    const MS: &str =
        "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 10\n[merge]\nstrategy = \"latest\"\n";

    #[test]
    fn merge_keys_resolve() {
        let p = Profile::parse(
            &format!(
                "{MS}overlap = 0.25\n[[sources]]\nname = \"a\"\npriority = 2\ncoverage = 0.5\n\
                 [[sources]]\nname = \"b\"\npriority = 1\ncoverage = {{ Server = 0.9 }}\nmissing = 0.1\nstale = 0.2\nlag_days = 3\n\
                 [[sources]]\nname = \"c\"\nkinds = [\"Event\", \"Server\"]\n"
            ),
            "t",
        )
        .unwrap();
        let m = p.merge.unwrap();
        assert_eq!((m.strategy, m.overlap), (Strategy::Latest, 0.25));
        // Explicit priorities first, then the others by position.
        let names: Vec<_> = p.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["b", "a", "c"]);
        assert_eq!(
            p.sources.iter().map(|s| s.priority).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let b = &p.sources[0];
        assert_eq!(b.coverage[&NodeKind::Server], 0.9);
        assert_eq!(b.coverage[&NodeKind::Region], 1.0);
        assert!(!b.coverage.contains_key(&NodeKind::Event));
        assert_eq!((b.missing, b.stale, b.lag_days), (0.1, 0.2, 3));
        assert_eq!(p.sources[1].coverage[&NodeKind::DataCenter], 0.5);
        assert_eq!(p.sources[2].lag_days, DEFAULT_LAG_DAYS);
        // Serialisable (the manifest's run key) and round-trips.
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), p);
        // Single-source profiles serialise without a merge key.
        let tiny = serde_json::to_string(&Profile::load("tiny").unwrap()).unwrap();
        assert!(!tiny.contains("\"merge\""), "{tiny}");
    }

    #[test]
    fn merge_errors_name_the_key() {
        for key in [
            "priority = 1",
            "coverage = 0.5",
            "missing = 0.1",
            "stale = 0.1",
            "lag_days = 3",
        ] {
            let e = parse_err(&format!("[[sources]]\nname = \"a\"\n{key}"));
            let k = key.split(' ').next().unwrap();
            assert!(
                e.contains(&format!("sources[0].{k}")) && e.contains("[merge]"),
                "{e}"
            );
        }
        let cases = [
            ("strategy = \"newest\"", "", "merge.strategy"),
            ("overlap = 1.5", "", "merge.overlap"),
            ("", "coverage = 1.2", "sources[0].coverage"),
            (
                "",
                "coverage = { Servr = 0.5 }",
                "sources[0].coverage.Servr",
            ),
            (
                "",
                "coverage = { Event = 0.5 }",
                "sources[0].coverage.Event",
            ),
            ("", "coverage = \"all\"", "sources[0].coverage"),
            ("", "missing = -0.1", "sources[0].missing"),
            (
                "",
                "missing = 0.6\nstale = 0.6",
                "sources[0].missing + sources[0].stale",
            ),
            ("", "lag_days = -1", "sources[0].lag_days"),
            ("", "priority = 0", "sources[0].priority"),
            ("", "bogus = 1", "bogus"),
        ];
        for (merge, source, want) in cases {
            let e = parse_err(&format!(
                "[nodes]\nServer = 1\nRegion = 1\nDataCenter = 1\n[merge]\n{merge}\n[[sources]]\nname = \"a\"\n{source}"
            ));
            assert!(e.contains(want), "{want}: {e}");
        }
        let e = parse_err(&format!(
            "{MS}[[sources]]\nname = \"a\"\npriority = 2\n[[sources]]\nname = \"b\"\npriority = 2"
        ));
        assert!(
            e.contains("sources[0].priority and sources[1].priority"),
            "{e}"
        );
        let e = parse_err("[merge]\nbogus = 1");
        assert!(e.contains("bogus"), "{e}");
    }

    #[test]
    fn ratios_resolve() {
        let p = Profile::parse(
            "[nodes]\nRegion = 1\nDataCenter = 2\nServer = 1000\nDatabase = { ratio = 0.25, of = \"Server\" }",
            "t",
        )
        .unwrap();
        assert_eq!(p.count(NodeKind::Database), 250);
        assert_eq!(p.count(NodeKind::Event), 0);
    }

    #[test]
    fn provenance_follows_the_sources_unless_asked_for() {
        let mut p = Profile::load("tiny").unwrap();
        assert_eq!(p.provenance, ProvenanceMode::Auto);
        assert_eq!(p.provenance(), Provenance::SourceOnly);
        p.provenance = ProvenanceMode::Full;
        assert_eq!(p.provenance(), Provenance::Full);
        let text = include_str!("../fixtures/profiles/multisource.toml");
        let m = Profile::parse(text, "multisource").unwrap();
        assert_eq!(m.provenance(), Provenance::Full);
        // The setting is part of the run key: the serialised profile names it.
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"provenance\":\"full\""), "{json}");
        let back: Profile = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }
}
