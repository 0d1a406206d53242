//! Profiles: how big and how shaped a customer's estate is.
//!
//! A profile is a TOML file (or one of the built-ins in `src/profiles/`). It is
//! parsed into a [`Profile`], a fully resolved value with every default filled
//! in, which is what the generator, the plan and the manifest use. Every
//! problem names the key at fault.

use crate::model::{NodeKind, RelKind, Shape};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The largest number of regions or data centres a profile may ask for; their
/// partition tables are held in memory (8 bytes each).
pub const MAX_PARENTS: u64 = 1 << 20;

/// The largest count of any one kind (ids are formatted from u64; 2^40 is far
/// beyond any estate and keeps every product in this crate inside u128).
pub const MAX_COUNT: u64 = 1 << 40;

/// The built-in profiles, by name, with their TOML text.
pub const BUILTIN: &[(&str, &str)] = &[
    ("tiny", include_str!("profiles/tiny.toml")),
    ("small", include_str!("profiles/small.toml")),
    ("medium", include_str!("profiles/medium.toml")),
    ("large", include_str!("profiles/large.toml")),
    ("enterprise", include_str!("profiles/enterprise.toml")),
    ("xlarge", include_str!("profiles/xlarge.toml")),
];

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
    /// nodes have about `min`, a few have hundreds.
    Pareto {
        /// Smallest degree (≥ 1).
        min: u32,
        /// Largest degree.
        max: u32,
        /// Tail index; smaller is heavier.
        alpha: f64,
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
            Dist::Pareto { min, max, alpha } => {
                let u = crate::rng::unit(h);
                let d = f64::from(min) / u.powf(1.0 / alpha);
                if d >= f64::from(max) {
                    u64::from(max)
                } else {
                    d as u64
                }
            }
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
    /// Relative share of the records it reports.
    pub weight: u32,
    /// The node kinds it reports (relationships take their start kind's).
    pub kinds: Vec<NodeKind>,
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
    pub affects: [u32; 5],
    /// Popularity skew of the CIs that events affect.
    pub affects_skew: f64,
    /// Weights of event types: alert, incident, change.
    pub event_types: [u32; 3],
    /// Pareto tail index of data-centre and region sizes (smaller = more skewed).
    pub size_alpha: f64,
    /// The source systems.
    pub sources: Vec<Source>,
}

impl Profile {
    /// The count of a node kind.
    pub fn count(&self, k: NodeKind) -> u64 {
        self.nodes.get(&k).copied().unwrap_or(0)
    }

    /// Loads a built-in profile by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
        if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Profile::parse(text, name_or_path);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            let names: Vec<_> = BUILTIN.iter().map(|(n, _)| *n).collect();
            return err(format!(
                "profile '{name_or_path}' is neither a built-in profile ({}) nor an existing file",
                names.join(", ")
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| ProfileError(format!("cannot read profile {}: {e}", path.display())))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "custom".into());
        Profile::parse(&text, &stem)
            .map_err(|e| ProfileError(format!("{}: {}", path.display(), e.0)))
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
    sources: Vec<RawSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFanout {
    dist: String,
    n: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
    alpha: Option<f64>,
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
struct RawHierarchy {
    size_alpha: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    weight: Option<i64>,
    kinds: Option<Vec<String>>,
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
            },
            1.0,
        ),
        R::DatabaseRunsOnServer => (Dist::Fixed { n: 1 }, 1.5),
        R::ApplicationRunsOnServer => (Dist::Uniform { min: 1, max: 3 }, 1.2),
        R::ApplicationDependsOnDatabase => (Dist::Uniform { min: 0, max: 3 }, 2.0),
        R::ApplicationDependsOnApplication => (
            Dist::Pareto {
                min: 1,
                max: 400,
                alpha: 1.2,
            },
            3.0,
        ),
        R::ApplicationSupportsBusinessService => (Dist::Uniform { min: 1, max: 2 }, 1.5),
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
    let v = v as u64;
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

impl RawProfile {
    fn resolve(self, default_name: &str) -> Result<Profile, ProfileError> {
        let name = self.name.unwrap_or_else(|| default_name.to_string());
        let seed = match self.seed {
            None => 42,
            Some(s) => non_negative("seed", s)?,
        };

        // Node counts: absolute first, then ratios of absolute counts.
        let mut nodes = BTreeMap::new();
        let mut ratios = Vec::new();
        for (key, value) in &self.nodes {
            let kind = NodeKind::from_name(key).ok_or_else(|| {
                ProfileError(format!(
                    "unknown node kind 'nodes.{key}' (expected one of {})",
                    NodeKind::ALL.map(|k| k.name()).join(", ")
                ))
            })?;
            let full = format!("nodes.{key}");
            match value {
                toml::Value::Integer(n) => {
                    nodes.insert(kind, non_negative(&full, *n)?);
                }
                toml::Value::Table(t) => {
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
                    if !(ratio.is_finite() && ratio >= 0.0) {
                        return err(format!("{full}.ratio must not be negative (got {ratio})"));
                    }
                    let of = match t.get("of") {
                        Some(toml::Value::String(s)) => {
                            NodeKind::from_name(s).ok_or_else(|| {
                                ProfileError(format!("{full}.of names an unknown kind '{s}'"))
                            })?
                        }
                        _ => return err(format!("{full}.of must name a node kind")),
                    };
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
            nodes.insert(kind, n as u64);
        }
        for k in NodeKind::ALL {
            nodes.entry(k).or_insert(0);
        }
        let count = |k: NodeKind| nodes[&k];
        for k in [NodeKind::Region, NodeKind::DataCenter] {
            if count(k) > MAX_PARENTS {
                return err(format!(
                    "nodes.{k} = {} is more than the supported {MAX_PARENTS}",
                    count(k)
                ));
            }
        }
        for (child, parent) in [
            (NodeKind::DataCenter, NodeKind::Region),
            (NodeKind::Server, NodeKind::DataCenter),
            (NodeKind::NetworkDevice, NodeKind::DataCenter),
        ] {
            if count(child) > 0 && count(parent) == 0 {
                return err(format!(
                    "nodes.{parent} must be at least 1 when nodes.{child} is {} (every {child} is placed in a {parent})",
                    count(child)
                ));
            }
        }

        // Fan-outs.
        let mut fanout = BTreeMap::new();
        for r in RelKind::ALL {
            if r.spec().shape == Shape::Fanout {
                fanout.insert(r, default_fanout(r));
            }
        }
        for (key, f) in self.fanout {
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
            let req = |v: Option<i64>, k: &str| -> Result<u32, ProfileError> {
                match v {
                    Some(v) => u32_of(&format!("{full}.{k}"), v),
                    None => err(format!("{full}.{k} is required for dist = \"{}\"", f.dist)),
                }
            };
            let dist = match f.dist.as_str() {
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
                    Dist::Pareto { min, max, alpha }
                }
                other => {
                    return err(format!(
                        "{full}.dist = \"{other}\" is not one of fixed, uniform, pareto"
                    ))
                }
            };
            if dist.max() > 1_000_000 {
                return err(format!("{full} allows more than 1,000,000 ends per node"));
            }
            let target_skew = skew_of(&format!("{full}.target_skew"), f.target_skew, 1.0)?;
            fanout.insert(r, Fanout { dist, target_skew });
        }

        // Events.
        let mut affects = [50u32, 10, 15, 20, 5];
        if !self.events.affects.is_empty() {
            affects = [0; 5];
            for (key, w) in &self.events.affects {
                let full = format!("events.affects.{key}");
                let slot = RelKind::AFFECTS
                    .iter()
                    .position(|r| r.spec().end.name() == key)
                    .ok_or_else(|| {
                        ProfileError(format!(
                            "unknown kind '{full}' (events can affect Server, NetworkDevice, Database, Application, BusinessService)"
                        ))
                    })?;
                affects[slot] = u32_of(&full, *w)?;
            }
            if affects.iter().all(|&w| w == 0) && count(NodeKind::Event) > 0 {
                return err("events.affects weights are all zero, but the profile has events");
            }
        }
        let affects_skew = skew_of("events.affects_skew", self.events.affects_skew, 2.0)?;
        let mut event_types = [70u32, 20, 10];
        if !self.events.types.is_empty() {
            event_types = [0; 3];
            for (key, w) in &self.events.types {
                let full = format!("events.types.{key}");
                let slot = ["alert", "incident", "change"]
                    .iter()
                    .position(|t| t == key)
                    .ok_or_else(|| {
                        ProfileError(format!(
                            "unknown event type '{full}' (expected alert, incident, change)"
                        ))
                    })?;
                event_types[slot] = u32_of(&full, *w)?;
            }
            if event_types.iter().all(|&w| w == 0) {
                return err("events.types weights are all zero");
            }
        }

        let size_alpha = self.hierarchy.size_alpha.unwrap_or(1.2);
        if !(size_alpha.is_finite() && size_alpha > 0.0) {
            return err(format!(
                "hierarchy.size_alpha must be positive (got {size_alpha})"
            ));
        }

        // Sources.
        let mut sources = Vec::new();
        if self.sources.is_empty() {
            for (n, w) in DEFAULT_SOURCES {
                sources.push(Source {
                    name: n.to_string(),
                    weight: *w,
                    kinds: NodeKind::ALL.to_vec(),
                });
            }
        }
        for (i, s) in self.sources.into_iter().enumerate() {
            let full = format!("sources[{i}]");
            if s.name.is_empty()
                || !s
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            {
                return err(format!(
                    "{full}.name = {:?} must be non-empty and use only letters, digits, '-', '_' and '.'",
                    s.name
                ));
            }
            if sources.iter().any(|x: &Source| x.name == s.name) {
                return err(format!("{full}.name = {:?} is given twice", s.name));
            }
            let weight = u32_of(&format!("{full}.weight"), s.weight.unwrap_or(1))?;
            if weight == 0 {
                return err(format!("{full}.weight must be at least 1"));
            }
            let kinds = match s.kinds {
                None => NodeKind::ALL.to_vec(),
                Some(ks) => ks
                    .iter()
                    .map(|k| {
                        NodeKind::from_name(k).ok_or_else(|| {
                            ProfileError(format!("{full}.kinds names an unknown kind '{k}'"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
            };
            sources.push(Source {
                name: s.name,
                weight,
                kinds,
            });
        }
        for k in NodeKind::ALL {
            if count(k) > 0 && !sources.iter().any(|s| s.kinds.contains(&k)) {
                return err(format!(
                    "no source reports {k} (add it to some sources[].kinds)"
                ));
            }
        }

        Ok(Profile {
            name,
            seed,
            nodes,
            fanout,
            affects,
            affects_skew,
            event_types,
            size_alpha,
            sources,
        })
    }
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
    fn ratios_resolve() {
        let p = Profile::parse(
            "[nodes]\nRegion = 1\nDataCenter = 2\nServer = 1000\nDatabase = { ratio = 0.25, of = \"Server\" }",
            "t",
        )
        .unwrap();
        assert_eq!(p.count(NodeKind::Database), 250);
        assert_eq!(p.count(NodeKind::Event), 0);
    }
}
