//! Compute: where each server is, by its position alone, and the cloud and
//! virtualisation around it.
//!
//! * The last `compute.cloud` share of the servers are cloud instances, each
//!   `HOSTED_IN` an availability zone and `BELONGS_TO` an account of the
//!   zone's provider; the others are on premises, in a data centre.
//! * Inside each data centre's range come its physical servers first (the
//!   hypervisor hosts leading), then the virtual ones, then the containers,
//!   in counts that follow from the range's length ([`Mix`]).
//! * Virtual server `k` of a data centre is `VIRTUALIZED_BY` host
//!   `k * hosts / virtuals` of the same data centre: an even split, so a
//!   host's guests are a range and its size is the sum of theirs.
//!
//! Every end and type is arithmetic on ranges; nothing is held per server.

use super::nodes::{server_cost, server_size, Head};
use super::pools::{self, pool};
use super::{Value, World};
use crate::model::{self, NodeKind, RelKind};
use crate::profile::{MAX_ZONED_REGIONS, MAX_ZONES_PER_REGION};
use crate::rng::{self, Draws, Stream};
use std::ops::Range;
use std::sync::LazyLock;

/// The type indices of `pools::SERVER_TYPES`.
pub const PHYSICAL: usize = 0;
/// A virtual server.
pub const VIRTUAL: usize = 1;
/// A container.
pub const CONTAINER: usize = 2;
/// A cloud instance.
pub const CLOUD: usize = 3;
/// The index of [`model::HYPERVISOR_LABELS`] in [`model::SERVER_LABELS`].
const HYPERVISOR_LABEL_SET: usize = 4;

/// The cloud providers, in the order zones and accounts take them.
pub static PROVIDERS: [&str; 3] = ["aws", "azure", "gcp"];

pool!(
    /// What an account is for: the middle word of its name.
    pub(super) static ACCOUNT_PURPOSE,
    [
        ("prod", 35),
        ("dev", 20),
        ("test", 12),
        ("shared-services", 10),
        ("data", 10),
        ("sandbox", 8),
        ("security", 5),
    ]
);

/// Stream ids of this file's draws (stable constants).
const VM_SIZE_STREAM: u64 = 0x5100;
const ACCOUNT_STREAM: u64 = 0x5140;

/// Zone names: `<region code>-<n><letter>` for every region a profile with
/// zones may have (`us-east-1a`, `us-east-2c`), built once per process so a
/// zone's name is a `'static` string like every other natural key.
static ZONE_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let codes = pools::REGION_CODES;
    let mut names = Vec::new();
    for r in 0..MAX_ZONED_REGIONS {
        let slot = crate::cast::index(r % codes.len() as u64);
        let n = r / codes.len() as u64 + 1;
        for k in 0..MAX_ZONES_PER_REGION {
            let letter = char::from(b'a' + u8::try_from(k).unwrap_or(0));
            names.push(format!("{}-{n}{letter}", codes[slot]));
        }
    }
    names
});

/// How a data centre's `len` servers divide, in range order: hypervisor
/// hosts, other physical servers, virtual servers, containers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix {
    /// Physical servers that host the virtual ones (the first of the range).
    pub hosts: u64,
    /// Physical servers, hosts included.
    pub physical: u64,
    /// Virtual servers.
    pub virtuals: u64,
    /// Containers (the last of the range).
    pub containers: u64,
}

impl World {
    /// The number of on-premises servers: the first ones; the rest are
    /// cloud instances.
    #[inline]
    pub fn on_premises(&self) -> u64 {
        self.part(RelKind::ServerHostedInDataCenter).end
    }

    /// The data centre of server `j`, `None` for a cloud instance (or a
    /// server beyond the count, as a day-N change set adds).
    #[inline]
    pub fn server_dc(&self, j: u64) -> Option<u64> {
        (j < self.on_premises()).then(|| self.parent(RelKind::ServerHostedInDataCenter, j))
    }

    /// The mix of a data centre of `len` servers: the profile's shares of
    /// the on-premises servers, rounded, with at least one host when there
    /// are virtual servers.
    pub fn mix(&self, len: u64) -> Mix {
        let c = &self.profile.compute;
        let on_prem = 1.0 - c.cloud;
        let (fp, fc) = if on_prem > 1e-9 {
            (c.physical / on_prem, c.container / on_prem)
        } else {
            // Every server is meant for the cloud; without zones they stay
            // on premises in the default mix.
            (0.15 / 0.8, 0.2 / 0.8)
        };
        let round = |x: f64| crate::cast::whole((len as f64 * x).round());
        let mut physical = round(fp).min(len);
        let containers = round(fc).min(len - physical);
        let mut virtuals = len - physical - containers;
        let mut hosts = crate::cast::whole((physical as f64 * c.hypervisors).ceil()).min(physical);
        if virtuals > 0 && hosts == 0 {
            // Virtual servers need a host in their own data centre.
            if physical == 0 {
                physical = 1;
                virtuals -= 1;
            }
            hosts = 1;
        }
        Mix {
            hosts,
            physical,
            virtuals,
            containers,
        }
    }

    /// The servers of data centre `dc` of type index `t` (in
    /// `pools::SERVER_TYPES` order; cloud instances are in no data centre).
    pub fn server_range(&self, dc: u64, t: usize) -> Range<u64> {
        let all = self.children(RelKind::ServerHostedInDataCenter, dc);
        let m = self.mix(all.end - all.start);
        let a = all.start;
        let (v, c) = (a + m.physical, a + m.physical + m.virtuals);
        match t {
            PHYSICAL => a..v,
            VIRTUAL => v..c,
            CONTAINER => c..all.end,
            _ => all.end..all.end,
        }
    }

    /// The hypervisor hosts of data centre `dc`: its first physical servers.
    pub fn hypervisor_range(&self, dc: u64) -> Range<u64> {
        let all = self.children(RelKind::ServerHostedInDataCenter, dc);
        let m = self.mix(all.end - all.start);
        all.start..all.start + m.hosts
    }

    /// Server `j`'s place: its type index and, on premises, its data
    /// centre's first server and mix.
    #[inline]
    fn place(&self, j: u64) -> (usize, Option<(u64, Mix)>) {
        let Some(dc) = self.server_dc(j) else {
            return (CLOUD, None);
        };
        let all = self.children(RelKind::ServerHostedInDataCenter, dc);
        let m = self.mix(all.end - all.start);
        let k = j - all.start;
        let t = if k < m.physical {
            PHYSICAL
        } else if k < m.physical + m.virtuals {
            VIRTUAL
        } else {
            CONTAINER
        };
        (t, Some((all.start, m)))
    }

    /// Server `j`'s type, an index into `pools::SERVER_TYPES`, from its
    /// position.
    #[inline]
    pub fn server_type(&self, j: u64) -> usize {
        self.place(j).0
    }

    /// Server `j`'s label set in `model::SERVER_LABELS`: its type's, or the
    /// hypervisor hosts' set.
    #[inline]
    pub(super) fn server_labels(&self, j: u64, t: usize) -> usize {
        if t == PHYSICAL && self.is_hypervisor(j) {
            HYPERVISOR_LABEL_SET
        } else {
            t
        }
    }

    /// Whether server `j` is a hypervisor host.
    #[inline]
    pub fn is_hypervisor(&self, j: u64) -> bool {
        match self.place(j) {
            (PHYSICAL, Some((a, m))) => j - a < m.hosts,
            _ => false,
        }
    }

    /// The host virtual server `j` runs on, `None` for other servers.
    #[inline]
    pub(super) fn host_of(&self, j: u64) -> Option<u64> {
        let (VIRTUAL, Some((a, m))) = self.place(j) else {
            return None;
        };
        let k = j - a - m.physical;
        let split = super::index::Split::Even {
            parents: m.hosts,
            children: m.virtuals,
        };
        Some(a + split.parent_of(k))
    }

    /// The virtual servers host `j` carries (empty for other servers).
    pub fn guests_of(&self, j: u64) -> Range<u64> {
        match self.place(j) {
            (PHYSICAL, Some((a, m))) if j - a < m.hosts => {
                let split = super::index::Split::Even {
                    parents: m.hosts,
                    children: m.virtuals,
                };
                let g = split.children_of(j - a);
                let first = a + m.physical;
                first + g.start..first + g.end
            }
            _ => j..j,
        }
    }

    /// The cores and memory (GB) of virtual server `j`, in hundredths: drawn on a stream
    /// of their own, so its host can sum them without its guests' rows.
    #[inline]
    fn vm_size(&self, j: u64) -> (u64, u64) {
        let mut d = Stream::new(self.profile.seed, VM_SIZE_STREAM).draws(j);
        server_size(VIRTUAL, &mut d)
    }

    /// The cores and memory (GB), in hundredths, and monthly cost (cents) of server `j` of type
    /// `t`: a virtual server's from its own stream, a host's at least the
    /// sum of its guests', the others' from the row's draws.
    pub(super) fn compute_shape(&self, j: u64, t: usize, d: &mut Draws) -> (u64, u64, i64) {
        match t {
            VIRTUAL => {
                let (c, m) = self.vm_size(j);
                (c, m, server_cost(t, c, m, d))
            }
            PHYSICAL => {
                let (mut c, mut m) = server_size(t, d);
                let (mut gc, mut gm) = (0, 0);
                for g in self.guests_of(j) {
                    let (vc, vm) = self.vm_size(g);
                    gc += vc;
                    gm += vm;
                }
                c = c.max(gc);
                m = m.max(gm);
                (c, m, server_cost(t, c, m, d))
            }
            _ => super::nodes::server_shape(t, d),
        }
    }

    /// The number of providers in play: one per account up to three, so
    /// every zone's provider has an account.
    #[inline]
    fn providers(&self) -> u64 {
        self.count(NodeKind::CloudAccount)
            .clamp(1, PROVIDERS.len() as u64)
    }

    /// Zone `z`'s region and its rank (letter) among the region's zones.
    #[inline]
    fn zone_place(&self, z: u64) -> (u64, u64) {
        let r = RelKind::AvailabilityZoneLocatedInRegion;
        let region = self.parent(r, z);
        (region, z - self.children(r, region).start)
    }

    /// Zone `z`'s provider (an index into [`PROVIDERS`]): the zones of a
    /// region take the providers in turn.
    #[inline]
    pub fn zone_provider(&self, z: u64) -> usize {
        crate::cast::index(self.zone_place(z).1 % self.providers())
    }

    /// Account `a`'s provider: the accounts take the providers in turn.
    #[inline]
    pub fn account_provider(&self, a: u64) -> usize {
        crate::cast::index(a % self.providers())
    }

    /// The account cloud server `j` belongs to: one of its zone's
    /// provider's, a few large accounts holding many servers.
    pub(super) fn account_of(&self, j: u64) -> Option<u64> {
        let cloud = self.part(RelKind::ServerHostedInAvailabilityZone);
        if !cloud.contains(&j) {
            return None;
        }
        let zone = self.parent(RelKind::ServerHostedInAvailabilityZone, j);
        let p = self.providers();
        let first = self.zone_provider(zone) as u64;
        // Accounts first, first + p, ...: how many of them there are.
        let n = (self.count(NodeKind::CloudAccount) - first).div_ceil(p);
        let h = Stream::new(self.profile.seed, ACCOUNT_STREAM).at(j);
        Some(first + p * rng::skewed(h, n, 1.5))
    }

    /// Whether a family's rows are counted from ranges of servers
    /// ([`World::range_rows`]) rather than node by node: a data centre's
    /// servers share what bounds their degree, so planning xlarge looks each
    /// one up once per range, not once per server.
    pub(super) fn range_counted(&self, r: RelKind) -> bool {
        matches!(
            r,
            RelKind::ServerBelongsToCloudAccount
                | RelKind::ServerVirtualizedByServer
                | RelKind::ServerMemberOfCluster
                | RelKind::ServerUsesStorageStorageVolume
        )
    }

    /// The rows of `r` starting at servers `rows` (the sum of
    /// [`World::degree`] over them).
    pub(super) fn range_rows(&self, r: RelKind, rows: Range<u64>) -> u64 {
        let overlap = |a: Range<u64>| a.end.min(rows.end).saturating_sub(a.start.max(rows.start));
        match r {
            // Every cloud server belongs to an account.
            RelKind::ServerBelongsToCloudAccount => {
                overlap(self.part(RelKind::ServerHostedInAvailabilityZone))
            }
            // Every virtual server has a host.
            RelKind::ServerVirtualizedByServer => self.sum_by_dc(rows.clone(), |dc, _| match dc {
                Some(dc) => overlap(self.server_range(dc, VIRTUAL)),
                None => 0,
            }),
            RelKind::ServerMemberOfCluster => self.cluster_rows(rows),
            RelKind::ServerUsesStorageStorageVolume => self.storage_rows(rows),
            _ => unreachable!("{r} is not counted from ranges"),
        }
    }

    /// The sum of `f(dc, part)` over the parts of servers `rows` that share
    /// a data centre (`None` for the cloud instances, which come last).
    pub(super) fn sum_by_dc(
        &self,
        rows: Range<u64>,
        f: impl Fn(Option<u64>, Range<u64>) -> u64,
    ) -> u64 {
        let on_prem = self.on_premises();
        let mut total = 0;
        let end = rows.end.min(on_prem);
        if rows.start < end {
            let hosted = RelKind::ServerHostedInDataCenter;
            for dc in self.parent(hosted, rows.start)..=self.parent(hosted, end - 1) {
                let all = self.children(hosted, dc);
                let part = all.start.max(rows.start)..all.end.min(end);
                if !part.is_empty() {
                    total += f(Some(dc), part);
                }
            }
        }
        let cloud = rows.start.max(on_prem)..rows.end;
        if !cloud.is_empty() {
            total += f(None, cloud);
        }
        total
    }

    /// The head of a cloud account or zone: its name, provider and, for a
    /// zone, its region-derived name (`us-east-1a`).
    pub(super) fn cloud_head(&self, kind: NodeKind, i: u64, d: &mut Draws) -> Head {
        let (name, t) = if kind == NodeKind::AvailabilityZone {
            let (region, rank) = self.zone_place(i);
            let at = region * MAX_ZONES_PER_REGION + rank;
            let name = ZONE_NAMES
                .get(crate::cast::index(at))
                .map_or(Value::Null, |s| Value::Str(s.as_str()));
            (name, self.zone_provider(i))
        } else {
            let p = self.account_provider(i);
            let purpose = ACCOUNT_PURPOSE.pick(d.next());
            let name = Value::Name {
                a: PROVIDERS[p],
                b: purpose,
                sep: "-",
                n: i,
            };
            (name, p)
        };
        Head {
            name,
            t,
            word: PROVIDERS[t],
            env: None,
            tier: None,
        }
    }

    /// Row `i` of `CloudAccount` or `AvailabilityZone`.
    pub(super) fn cloud_row<'w>(
        &'w self,
        kind: NodeKind,
        i: u64,
        d: &mut Draws,
        out: &mut Vec<Value<'w>>,
    ) {
        let h = self.cloud_head(kind, i, d);
        if kind == NodeKind::AvailabilityZone {
            let labels = model::AVAILABILITY_ZONE_LABELS[0];
            self.ci_common(kind, i, labels, &h, d, out);
            out.push(Value::Str(h.word));
        } else {
            let labels = model::CLOUD_ACCOUNT_LABELS[0];
            self.ci_common(kind, i, labels, &h, d, out);
            out.push(Value::Str(h.word));
            // Twelve digits, as providers number accounts.
            out.push(Value::Int(
                (100_000_000_000 + d.below(900_000_000_000)) as i64,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::pairs;
    use crate::model::Table;
    use crate::profile::Profile;

    fn world(text: &str) -> World {
        World::new(&Profile::parse(text, "t").unwrap())
    }

    fn cell(w: &World, k: NodeKind, i: u64, col: &str) -> String {
        let cols = w.columns(Table::Node(k));
        let at = cols.iter().position(|c| c.name == col).unwrap();
        let mut row = Vec::new();
        w.node_row(k, i, &mut row);
        match row[at] {
            Value::Int(v) => v.to_string(),
            Value::Cents(v) => format!("{:.2}", v as f64 / 100.0),
            Value::Labels(l) => l.join(";"),
            v => {
                let mut out = Vec::new();
                v.put_text(&mut out);
                String::from_utf8(out).unwrap()
            }
        }
    }

    #[test]
    fn cloud_servers_are_in_zones_and_on_premises_ones_in_data_centres() {
        let w = World::new(&Profile::load("medium").unwrap());
        let n = w.count(NodeKind::Server);
        let on_prem = w.on_premises();
        assert_eq!(n - on_prem, (n + 2) / 5);
        let in_dc = pairs(&w, RelKind::ServerHostedInDataCenter);
        let in_zone = pairs(&w, RelKind::ServerHostedInAvailabilityZone);
        let accounts = pairs(&w, RelKind::ServerBelongsToCloudAccount);
        assert_eq!(in_dc.len() as u64, on_prem);
        assert_eq!(in_zone.len() as u64, n - on_prem);
        assert_eq!(accounts.len(), in_zone.len());
        for (&(s, dc), j) in in_dc.iter().zip(0..) {
            assert_eq!(s, j, "every on-premises server once, in order");
            assert_eq!(w.server_dc(s), Some(dc));
            assert_ne!(w.server_type(s), CLOUD);
        }
        for ((&(s, z), &(s2, a)), j) in in_zone.iter().zip(&accounts).zip(on_prem..) {
            assert_eq!((s, s2), (j, j));
            assert_eq!(w.server_dc(s), None);
            assert_eq!(w.server_type(s), CLOUD);
            assert_eq!(w.zone_provider(z), w.account_provider(a), "server {s}");
            assert!(a < w.count(NodeKind::CloudAccount));
        }
        // Cloud servers are in no cluster.
        for (s, _) in pairs(&w, RelKind::ServerMemberOfCluster) {
            assert!(s < on_prem);
        }
    }

    #[test]
    fn the_mix_follows_the_profile() {
        let w = World::new(&Profile::load("medium").unwrap());
        let mut per_type = [0u64; 4];
        for j in 0..w.count(NodeKind::Server) {
            per_type[w.server_type(j)] += 1;
        }
        let n = w.count(NodeKind::Server) as f64;
        for (t, want) in [0.15, 0.45, 0.2, 0.2].into_iter().enumerate() {
            let got = per_type[t] as f64 / n;
            assert!((got - want).abs() < 0.02, "type {t}: {got} against {want}");
        }
        // The ranges by type tile each data centre in order.
        for dc in 0..w.count(NodeKind::DataCenter) {
            let all = w.children(RelKind::ServerHostedInDataCenter, dc);
            let mut next = all.start;
            for t in [PHYSICAL, VIRTUAL, CONTAINER] {
                let r = w.server_range(dc, t);
                assert_eq!(r.start, next);
                assert!(r.clone().all(|j| w.server_type(j) == t));
                next = r.end;
            }
            assert_eq!(next, all.end);
            assert!(w.server_range(dc, CLOUD).is_empty());
        }
    }

    #[test]
    fn virtual_servers_fit_their_hosts_in_their_data_centre() {
        let w = World::new(&Profile::load("medium").unwrap());
        let vms = pairs(&w, RelKind::ServerVirtualizedByServer);
        let virtuals = (0..w.count(NodeKind::Server))
            .filter(|&j| w.server_type(j) == VIRTUAL)
            .count();
        assert_eq!(vms.len(), virtuals);
        assert_eq!(
            vms.len() as u64,
            w.rows(Table::Rel(RelKind::ServerVirtualizedByServer))
        );
        // Sizes are doubles with two digits: compare them in hundredths.
        let int = |k, j, c| cell(&w, k, j, c).replace('.', "").parse::<u64>().unwrap();
        let mut sums = std::collections::BTreeMap::new();
        for &(vm, host) in &vms {
            assert_eq!(w.server_dc(vm), w.server_dc(host));
            assert!(w.is_hypervisor(host));
            assert!(w.guests_of(host).contains(&vm));
            let labels = cell(&w, NodeKind::Server, host, "");
            assert_eq!(labels, "ConfigurationItem;Server;PhysicalServer;Hypervisor");
            assert_eq!(cell(&w, NodeKind::Server, host, "server_type"), "physical");
            let e = sums.entry(host).or_insert((0, 0));
            e.0 += int(NodeKind::Server, vm, "cpu_cores");
            e.1 += int(NodeKind::Server, vm, "memory_gb");
        }
        for (&host, &(cores, memory)) in &sums {
            assert!(int(NodeKind::Server, host, "cpu_cores") >= cores, "{host}");
            assert!(int(NodeKind::Server, host, "memory_gb") >= memory, "{host}");
        }
        // Every data centre with virtual servers has a host.
        for dc in 0..w.count(NodeKind::DataCenter) {
            if !w.server_range(dc, VIRTUAL).is_empty() {
                assert!(!w.hypervisor_range(dc).is_empty(), "{dc}");
            }
        }
    }

    #[test]
    fn zones_are_in_the_region_their_name_says() {
        let w = World::new(&Profile::load("medium").unwrap());
        let zones = pairs(&w, RelKind::AvailabilityZoneLocatedInRegion);
        assert_eq!(zones.len() as u64, w.count(NodeKind::AvailabilityZone));
        let mut names = std::collections::HashSet::new();
        for (z, region) in zones {
            let name = cell(&w, NodeKind::AvailabilityZone, z, "name");
            let code = cell(&w, NodeKind::Region, region, "code");
            let suffix = name.strip_prefix(&format!("{code}-1")).unwrap_or_else(|| {
                panic!("zone {name} is not named after region {code}");
            });
            assert_eq!(suffix.len(), 1, "{name}");
            assert!(names.insert(name));
            let provider = cell(&w, NodeKind::AvailabilityZone, z, "provider");
            assert_eq!(provider, PROVIDERS[w.zone_provider(z)]);
        }
        for a in 0..w.count(NodeKind::CloudAccount) {
            let provider = cell(&w, NodeKind::CloudAccount, a, "provider");
            assert_eq!(provider, PROVIDERS[w.account_provider(a)]);
            assert!(cell(&w, NodeKind::CloudAccount, a, "name").starts_with(&provider));
        }
    }

    #[test]
    fn small_data_centres_with_virtual_servers_get_a_host() {
        let w = world(
            "[nodes]\nRegion = 1\nDataCenter = 40\nServer = 60\n[compute]\ncloud = 0.0\nphysical = 0.02\nhypervisors = 0.1\n",
        );
        for dc in 0..40 {
            let m = w.mix(w.children(RelKind::ServerHostedInDataCenter, dc).count() as u64);
            assert!(m.virtuals == 0 || m.hosts > 0, "{dc}: {m:?}");
            assert!(m.hosts <= m.physical);
        }
        assert_eq!(
            w.rows(Table::Rel(RelKind::ServerVirtualizedByServer)),
            (0..60).filter(|&j| w.server_type(j) == VIRTUAL).count() as u64
        );
    }

    #[test]
    fn without_zones_every_server_is_on_premises() {
        let w = world("[nodes]\nRegion = 1\nDataCenter = 2\nServer = 100\n");
        assert_eq!(w.on_premises(), 100);
        assert_eq!(
            w.rows(Table::Rel(RelKind::ServerHostedInAvailabilityZone)),
            0
        );
        assert!((0..100).all(|j| w.server_type(j) != CLOUD));
        let all_cloud = world(
            "[nodes]\nRegion = 2\nServer = 50\nAvailabilityZone = 6\nCloudAccount = 2\n[compute]\ncloud = 1.0\nphysical = 0.0\ncontainer = 0.0\n",
        );
        assert_eq!(all_cloud.on_premises(), 0);
        assert_eq!(
            pairs(&all_cloud, RelKind::ServerBelongsToCloudAccount).len(),
            50
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// For any shares and data-centre sizes, the mix tiles the range,
        /// hosts are physical, every virtual server has a host of its data
        /// centre whose guests include it.
        #[test]
        fn the_layout_holds_for_any_shares(
            cloud in 0.0f64..0.9,
            physical in 0.01f64..0.5,
            container in 0.0f64..0.4,
            hypervisors in 0.05f64..1.0,
            dcs in 1u64..30,
            servers in 0u64..2_000,
            seed in 0u64..1_000,
        ) {
            proptest::prop_assume!(cloud + physical + container <= 1.0);
            let text = format!(
                "seed = {seed}\n[nodes]\nRegion = 3\nDataCenter = {dcs}\nServer = {servers}\n\
                 AvailabilityZone = 5\nCloudAccount = 4\n[compute]\ncloud = {cloud}\n\
                 physical = {physical}\ncontainer = {container}\nhypervisors = {hypervisors}\n"
            );
            let Ok(p) = Profile::parse(&text, "t") else {
                // Too few hosts for the virtual share: refused with a message.
                return Ok(());
            };
            let w = World::new(&p);
            let on_prem = w.on_premises();
            proptest::prop_assert_eq!(
                w.rows(Table::Rel(RelKind::ServerHostedInAvailabilityZone)),
                servers - on_prem
            );
            for dc in 0..dcs {
                let all = w.children(RelKind::ServerHostedInDataCenter, dc);
                let m = w.mix(all.end - all.start);
                proptest::prop_assert_eq!(m.physical + m.virtuals + m.containers, all.end - all.start);
                proptest::prop_assert!(m.hosts <= m.physical);
                proptest::prop_assert!(m.virtuals == 0 || m.hosts > 0);
            }
            let mut vms = 0;
            for j in 0..servers {
                if let Some(h) = w.host_of(j) {
                    vms += 1;
                    proptest::prop_assert_eq!(w.server_dc(h), w.server_dc(j));
                    proptest::prop_assert!(w.is_hypervisor(h) && w.guests_of(h).contains(&j));
                }
                if j >= on_prem {
                    let (z, a) = (
                        w.parent(RelKind::ServerHostedInAvailabilityZone, j),
                        w.account_of(j).unwrap(),
                    );
                    proptest::prop_assert_eq!(w.zone_provider(z), w.account_provider(a));
                }
            }
            proptest::prop_assert_eq!(vms, w.rows(Table::Rel(RelKind::ServerVirtualizedByServer)));
        }
    }

    #[test]
    fn compute_keys_are_checked() {
        let bad = |text: &str, key: &str| {
            let e = Profile::parse(text, "t").unwrap_err().0;
            assert!(e.contains(key), "{e}");
        };
        bad("[compute]\ncloud = 1.5\n", "compute.cloud");
        bad("[compute]\nphysical = -0.1\n", "compute.physical");
        bad("[compute]\ncontainer = 0.7\n", "compute.container");
        bad("[compute]\nhypervisors = 0.0\n", "compute.hypervisors");
        bad("[compute]\nspeed = 1\n", "speed");
        bad(
            "[nodes]\nRegion = 1\nAvailabilityZone = 27\n",
            "nodes.AvailabilityZone",
        );
        bad(
            "[nodes]\nServer = 10\nAvailabilityZone = 0\n",
            "nodes.DataCenter",
        );
    }
}
