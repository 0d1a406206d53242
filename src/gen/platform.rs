//! The platform kinds: the service model's business applications (each
//! deployed application is an instance of one), the groups that own and
//! support configuration items, and the software installed on servers.
//!
//! Every relationship here has exactly one end, computed from its start by
//! arithmetic or a keyed draw (no per-node table): an application's business
//! application, a CI's owner and support groups, an install's server. The
//! `owner_team` column of a CI is its owner group's name, from the same
//! function the `OWNED_BY` rows use.

use super::pools::{self, pool};
use super::{Value, World};
use crate::model::{self, NodeKind, RelKind};
use crate::rng::{self, Draws, Stream};

pool!(
    /// The first words of a business application's name.
    BAPP_NAME,
    [
        ("Customer Portal", 8),
        ("Payments Hub", 6),
        ("Order Management", 7),
        ("General Ledger", 4),
        ("HR Suite", 4),
        ("CRM", 6),
        ("Data Warehouse", 5),
        ("Identity Platform", 4),
        ("Supply Chain Planning", 3),
        ("Claims Processing", 3),
        ("Billing Engine", 5),
        ("Mobile Banking", 4),
        ("Document Management", 3),
        ("E-Commerce Platform", 5),
        ("Field Service", 2),
        ("Trading Platform", 2),
    ]
);
pool!(
    /// A business application's architecture (CSDM `architecture_type`).
    ARCHITECTURE_TYPE,
    [
        ("web-based", 45),
        ("client-server", 20),
        ("microservices", 20),
        ("mainframe", 5),
        ("thick-client", 5),
        ("mobile", 5),
    ]
);
pool!(
    /// Where a business application is installed (CSDM `install_type`).
    INSTALL_TYPE,
    [
        ("on-premise", 40),
        ("cloud-hosted", 30),
        ("saas", 15),
        ("hybrid", 15),
    ]
);
pool!(
    /// What a group mainly does.
    GROUP_TYPE,
    [
        ("engineering", 45),
        ("operations", 30),
        ("service-desk", 10),
        ("security", 8),
        ("vendor-support", 7),
    ]
);

/// One product of the software catalogue: name, vendor, released versions
/// and a weight (how common an install is).
pub struct Product {
    /// The product's name.
    pub product: &'static str,
    /// Who publishes it.
    pub vendor: &'static str,
    /// Versions it was released in.
    pub versions: &'static [&'static str],
    /// How common it is.
    pub weight: u32,
}

const fn product(
    product: &'static str,
    vendor: &'static str,
    versions: &'static [&'static str],
    weight: u32,
) -> Product {
    Product {
        product,
        vendor,
        versions,
        weight,
    }
}

/// The software catalogue: product, vendor and version always come from one
/// entry, so they exist together.
pub static CATALOGUE: &[Product] = &[
    product("nginx", "F5 NGINX", &["1.24.0", "1.26.2", "1.27.3"], 8),
    product("OpenJDK", "Oracle", &["17.0.2", "21.0.2", "23.0.1"], 6),
    product(
        "Eclipse Temurin",
        "Eclipse Adoptium",
        &["11.0.24", "17.0.12", "21.0.4"],
        8,
    ),
    product(
        "PostgreSQL Client",
        "PostgreSQL Global Development Group",
        &["14.13", "15.8", "16.4"],
        5,
    ),
    product(
        "Splunk Universal Forwarder",
        "Splunk",
        &["9.1.5", "9.2.2", "9.3.0"],
        10,
    ),
    product(
        "CrowdStrike Falcon Sensor",
        "CrowdStrike",
        &["7.16.18613", "7.17.18721", "7.18.18904"],
        12,
    ),
    product(
        "Apache HTTP Server",
        "Apache Software Foundation",
        &["2.4.58", "2.4.62"],
        4,
    ),
    product(
        "Apache Tomcat",
        "Apache Software Foundation",
        &["9.0.93", "10.1.28"],
        4,
    ),
    product(
        "OpenSSL",
        "OpenSSL Foundation",
        &["1.1.1w", "3.0.15", "3.3.2"],
        9,
    ),
    product(
        "Python",
        "Python Software Foundation",
        &["3.9.19", "3.11.9", "3.12.5"],
        7,
    ),
    product(
        "Node.js",
        "OpenJS Foundation",
        &["18.20.4", "20.17.0", "22.8.0"],
        4,
    ),
    product("Docker Engine", "Docker", &["26.1.4", "27.2.0"], 4),
    product("Datadog Agent", "Datadog", &["7.56.2", "7.57.0"], 5),
    product(".NET Runtime", "Microsoft", &["6.0.33", "8.0.8"], 3),
    product(
        "Oracle Instant Client",
        "Oracle",
        &["19.24", "21.15", "23.5"],
        2,
    ),
    product("VMware Tools", "Broadcom", &["12.3.5", "12.4.5"], 3),
    product("Qualys Cloud Agent", "Qualys", &["6.0.0", "6.1.0"], 3),
];

/// The catalogue's weights, in its order.
static CATALOGUE_WEIGHTS: std::sync::LazyLock<(Vec<u32>, u64)> = std::sync::LazyLock::new(|| {
    let w: Vec<u32> = CATALOGUE.iter().map(|p| p.weight).collect();
    let total = w.iter().map(|&x| u64::from(x)).sum();
    (w, total)
});

/// Stream ids of this file's draws (stable constants).
const OWNER_STREAM: u64 = 0x900;
const SUPPORT_STREAM: u64 = 0x940;
const BAPP_STREAM: u64 = 0x980;

/// 2020-01-01T00:00:00Z: the earliest `installed_at`.
const INSTALLED_FROM: i64 = 1_577_836_800;
/// Six years of seconds: `installed_at` spans 2020..2026.
const INSTALLED_SPAN: u64 = 6 * 365 * 86_400;

/// The name of group `g`: a team of the `owner_team` pool, numbered from
/// the second group of the same team on (`payments`, `payments-2`), so
/// every name is unique.
pub fn group_name(g: u64) -> Value<'static> {
    let p = &pools::OWNER_TEAM;
    let n = p.values.len() as u64;
    let slot = crate::cast::index(g % n);
    if g < n {
        Value::Word(&p.words[slot])
    } else {
        Value::Name {
            a: p.values[slot],
            b: "",
            sep: "-",
            n: g / n + 1,
        }
    }
}

impl World {
    /// Appends row `i` of a platform kind.
    pub(super) fn platform_row<'w>(
        &'w self,
        kind: NodeKind,
        i: u64,
        d: &mut Draws,
        out: &mut Vec<Value<'w>>,
    ) {
        match kind {
            NodeKind::BusinessApplication => self.business_application(i, d, out),
            NodeKind::Group => self.group(i, d, out),
            NodeKind::SoftwareInstall => self.software_install(i, d, out),
            _ => unreachable!("{kind} is not a platform kind"),
        }
    }

    fn business_application<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let kind = NodeKind::BusinessApplication;
        let h = self.head(kind, i, d);
        self.ci_common(kind, i, model::BAPP_LABELS[0], &h, d, out);
        out.push(Value::Word(ARCHITECTURE_TYPE.pick_word(d.next())));
        out.push(Value::Word(INSTALL_TYPE.pick_word(d.next())));
    }

    fn group<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        out.push(Value::Id {
            prefix: NodeKind::Group.id_prefix(),
            n: i,
        });
        out.push(Value::Labels(model::GROUP_LABELS[0]));
        out.push(group_name(i));
        out.push(Value::Word(GROUP_TYPE.pick_word(d.next())));
        out.push(Value::Name {
            a: "CC",
            b: "",
            sep: "-",
            n: 1_000 + d.below(9_000),
        });
        self.push_source_tags(NodeKind::Group, d, out);
    }

    fn software_install<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let (weights, total) = &*CATALOGUE_WEIGHTS;
        let p = &CATALOGUE[rng::weighted(d.next(), weights, *total)];
        let v = p.versions[crate::cast::index(d.below(p.versions.len() as u64))];
        out.push(Value::Id {
            prefix: NodeKind::SoftwareInstall.id_prefix(),
            n: i,
        });
        out.push(Value::Labels(model::SOFTWARE_INSTALL_LABELS[0]));
        out.push(Value::Str(p.product));
        out.push(Value::Str(p.vendor));
        out.push(Value::Str(v));
        out.push(Value::DateTime(
            INSTALLED_FROM + d.below(INSTALLED_SPAN) as i64,
        ));
        self.push_source_tags(NodeKind::SoftwareInstall, d, out);
    }

    /// The `owner_team` of CI `i` of kind `k`: its owner group's name when
    /// the kind has an `OWNED_BY` family and the world has groups, else the
    /// team the row's draw `h` picks.
    pub(super) fn owner_team(&self, k: NodeKind, i: u64, h: u64) -> Value<'static> {
        match self.team_of(OWNER_STREAM, k, i) {
            Some(g) if owned_by(k).is_some() => group_name(g),
            _ => Value::Word(pools::OWNER_TEAM.pick_word(h)),
        }
    }

    /// A group for CI `i` of kind `k` drawn on stream `base`: a team by the
    /// `owner_team` weights, then one of that team's numbered groups.
    fn team_of(&self, base: u64, k: NodeKind, i: u64) -> Option<u64> {
        let groups = self.count(NodeKind::Group);
        if groups == 0 {
            return None;
        }
        let p = &pools::OWNER_TEAM;
        let n = p.values.len() as u64;
        let slots = &p.weights[..crate::cast::index(n.min(groups))];
        let total = slots.iter().map(|&w| u64::from(w)).sum();
        let h = Stream::new(self.profile.seed, base + k.index() as u64).at(i);
        let team = rng::weighted(h, slots, total) as u64;
        let copies = (groups - team).div_ceil(n);
        Some(team + n * rng::below(rng::mix(h), copies))
    }

    /// The end of a platform family's relationship from `j` (`None` when
    /// the end kind has no nodes).
    pub(super) fn platform_end(&self, r: RelKind, j: u64) -> Option<u64> {
        let spec = r.spec();
        let ends = self.count(spec.end);
        if ends == 0 {
            return None;
        }
        match r {
            RelKind::ApplicationInstanceOfBusinessApplication => {
                // A few business applications have many deployed instances.
                let h = Stream::new(self.profile.seed, BAPP_STREAM).at(j);
                let perm = self.perms[NodeKind::BusinessApplication.index()];
                Some(perm.apply(rng::skewed(h, ends, 1.5)))
            }
            RelKind::SoftwareInstallInstalledOnServer => {
                // Installs are spread evenly, a contiguous run per server.
                let n = u128::from(self.count(spec.start));
                Some(crate::cast::narrow(u128::from(j) * u128::from(ends) / n))
            }
            _ if RelKind::OWNED_BY.contains(&r) => self.team_of(OWNER_STREAM, spec.start, j),
            _ if RelKind::SUPPORTED_BY.contains(&r) => self.team_of(SUPPORT_STREAM, spec.start, j),
            _ => unreachable!("{r} is not a platform family"),
        }
    }

    /// A platform family's degree when it is the same for every start
    /// (1 while its end kind has nodes, else 0), so counting the family
    /// computes no end; `None` for other families.
    pub(super) fn platform_fixed_degree(&self, r: RelKind) -> Option<u64> {
        let platform = r == RelKind::ApplicationInstanceOfBusinessApplication
            || r == RelKind::SoftwareInstallInstalledOnServer
            || RelKind::OWNED_BY.contains(&r)
            || RelKind::SUPPORTED_BY.contains(&r);
        platform.then(|| u64::from(self.count(r.spec().end) > 0))
    }
}

/// The `OWNED_BY` family of a kind, if groups own it.
pub fn owned_by(k: NodeKind) -> Option<RelKind> {
    RelKind::OWNED_BY.into_iter().find(|r| r.spec().start == k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{cell, pairs, text};
    use crate::model::{Provenance, Table};
    use crate::profile::Profile;
    use std::collections::HashSet;

    fn world(name: &str) -> World {
        World::new(&Profile::load(name).unwrap())
    }

    /// Each start has exactly one relationship, in start order, to an
    /// existing end.
    fn assert_exactly_one(w: &World, r: RelKind) {
        let spec = r.spec();
        let p = pairs(w, r);
        assert_eq!(p.len() as u64, w.count(spec.start), "{r}");
        assert_eq!(p.len() as u64, w.rows(Table::Rel(r)), "{r}");
        for (n, &(s, e)) in p.iter().enumerate() {
            assert_eq!(s, n as u64, "{r}");
            assert!(e < w.count(spec.end), "{r}: end {e}");
        }
    }

    #[test]
    fn every_application_is_an_instance_of_one_business_application() {
        for name in ["tiny", "medium"] {
            let w = world(name);
            assert!(w.count(NodeKind::BusinessApplication) > 0);
            assert_exactly_one(&w, RelKind::ApplicationInstanceOfBusinessApplication);
        }
        // Several deployed instances share a business application.
        let w = world("medium");
        let ends: HashSet<u64> = pairs(&w, RelKind::ApplicationInstanceOfBusinessApplication)
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        assert!((ends.len() as u64) < w.count(NodeKind::Application));
    }

    #[test]
    fn owner_team_is_the_owner_groups_name_for_every_ci() {
        for name in ["tiny", "medium"] {
            let w = world(name);
            let groups = w.count(NodeKind::Group);
            let names: Vec<String> = (0..groups).map(|g| text(&group_name(g))).collect();
            for k in NodeKind::ALL.into_iter().filter(|k| k.is_ci()) {
                let r = owned_by(k).unwrap_or_else(|| panic!("{k} has no OWNED_BY family"));
                assert_exactly_one(&w, r);
                for (i, g) in pairs(&w, r) {
                    let team = cell(&w, k, i, "owner_team");
                    assert_eq!(team, names[crate::cast::index(g)], "{k} {i}");
                }
                let s = RelKind::SUPPORTED_BY
                    .into_iter()
                    .find(|r| r.spec().start == k)
                    .unwrap();
                assert_exactly_one(&w, s);
            }
        }
    }

    #[test]
    fn without_groups_owner_team_is_drawn_as_before() {
        let mut p = Profile::load("tiny").unwrap();
        p.nodes.insert(NodeKind::Group, 0);
        let w = World::new(&p);
        assert_eq!(w.rows(Table::Rel(RelKind::ServerOwnedByGroup)), 0);
        for i in 0..w.count(NodeKind::Server) {
            let team = cell(&w, NodeKind::Server, i, "owner_team");
            assert!(pools::OWNER_TEAM.values.contains(&team.as_str()), "{team}");
        }
    }

    #[test]
    fn group_and_business_application_names_are_unique() {
        let w = world("large");
        let g = w.count(NodeKind::Group);
        assert!(g > pools::OWNER_TEAM.values.len() as u64);
        let names: HashSet<String> = (0..g)
            .map(|i| cell(&w, NodeKind::Group, i, "name"))
            .collect();
        assert_eq!(names.len() as u64, g);
        let b = w.count(NodeKind::BusinessApplication);
        let names: HashSet<String> = (0..b)
            .map(|i| text(&w.name_of(NodeKind::BusinessApplication, i)))
            .collect();
        assert_eq!(names.len() as u64, b);
    }

    #[test]
    fn software_product_vendor_and_version_exist_together() {
        let w = world("medium");
        let k = NodeKind::SoftwareInstall;
        let mut seen = HashSet::new();
        for i in 0..w.count(k) {
            let (p, v, ver) = (
                cell(&w, k, i, "product"),
                cell(&w, k, i, "vendor"),
                cell(&w, k, i, "version"),
            );
            let entry = CATALOGUE.iter().find(|c| c.product == p).unwrap();
            assert_eq!(entry.vendor, v, "{p}");
            assert!(entry.versions.contains(&ver.as_str()), "{p} {ver}");
            seen.insert(p);
        }
        assert_eq!(seen.len(), CATALOGUE.len());
        assert_exactly_one(&w, RelKind::SoftwareInstallInstalledOnServer);
        // Installs are spread over all the servers in contiguous runs (a
        // server per install or more, as the counts say).
        let servers: Vec<u64> = pairs(&w, RelKind::SoftwareInstallInstalledOnServer)
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        assert!(servers.windows(2).all(|p| p[0] <= p[1]));
        let (n, installs) = (
            w.count(NodeKind::Server),
            w.count(NodeKind::SoftwareInstall),
        );
        let last = servers.last().copied().unwrap_or(0);
        assert!(last + n.div_ceil(installs) >= n, "{last} of {n}");
    }

    #[test]
    fn families_are_empty_without_their_end_kind() {
        let text = "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 10\nApplication = 5\nBusinessService = 2\n";
        let w = World::new(&Profile::parse(text, "bare").unwrap());
        for r in RelKind::OWNED_BY
            .into_iter()
            .chain(RelKind::SUPPORTED_BY)
            .chain([RelKind::ApplicationInstanceOfBusinessApplication])
        {
            assert_eq!(w.rows(Table::Rel(r)), 0, "{r}");
        }
        assert_eq!(w.provenance(), Provenance::SourceOnly);
    }

    #[test]
    fn installs_need_servers() {
        let e = Profile::parse("[nodes]\nSoftwareInstall = 3\n", "x").unwrap_err();
        assert!(e.0.contains("nodes.Server"), "{e}");
    }
}
