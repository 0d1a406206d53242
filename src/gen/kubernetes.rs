//! Kubernetes: clusters hosted in data centres, their namespaces, and pods
//! in the namespaces, each on a node of its cluster and a replica of an
//! application. Every end is computed from the start's position:
//!
//! * namespaces split evenly over the clusters and pods over the
//!   namespaces, so a cluster's pods are one contiguous range;
//! * a cluster's node pool ([`World::k8s_node_pool`]) is its even share of
//!   its data centre's container servers;
//! * the applications that run as pods are the last
//!   `kubernetes.applications` share, and the pods split evenly over them.
//!
//! Nothing is held per node.

use super::compute::{CONTAINER, PHYSICAL, VIRTUAL};
use super::index::Split;
use super::lifecycle;
use super::pools::{self, pool};
use super::{Value, World};
use crate::model::{self, NodeKind, RelKind};
use crate::rng::{self, Draws, Stream};
use std::ops::Range;
use std::sync::LazyLock;

/// Stream ids of this file's draws (stable constants).
const NODE_STREAM: u64 = 0x5200;
const APP_STREAM: u64 = 0x5240;
const NAMESPACE_STREAM: u64 = 0x5280;

/// On-premises distributions and the first word of their clusters' names.
pub(super) static DISTRIBUTIONS: [(&str, &str); 4] = [
    ("OpenShift", "ocp"),
    ("Rancher RKE2", "rke2"),
    ("VMware Tanzu", "tkg"),
    ("kubeadm", "k8s"),
];
/// How common each of [`DISTRIBUTIONS`] is.
static DISTRIBUTION_WEIGHTS: &[u32] = &[35, 25, 15, 25];

pool!(
    /// The Kubernetes minor version a cluster runs (1.27 to 1.31), the
    /// middle part of its `version`.
    static MINOR,
    [("27", 10), ("28", 15), ("29", 25), ("30", 30), ("31", 20)]
);
/// Of retired pods, the share (percent) that completed; the rest failed.
const RETIRED_SUCCEEDED: u64 = 80;

/// A pod's phase from its lifecycle state: a live pod (operational, on
/// standby, in maintenance) runs, one pending repair has failed, a planned
/// one waits to start, and a retired one has completed, some failed (`h`
/// decides which).
pub(super) fn phase(state: usize, h: u64) -> &'static str {
    match state {
        lifecycle::OPERATIONAL | lifecycle::STANDBY | lifecycle::IN_MAINTENANCE => "Running",
        lifecycle::PENDING_REPAIR => "Failed",
        lifecycle::RETIRED if rng::below(h, 100) < RETIRED_SUCCEEDED => "Succeeded",
        lifecycle::RETIRED => "Failed",
        _ => "Pending",
    }
}

/// The namespaces every cluster has first, in this order.
const SYSTEM_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Team and application words of the other namespaces' names.
const NAMESPACE_WORDS: &[&str] = &[
    "payments",
    "orders",
    "checkout",
    "catalog",
    "inventory",
    "shipping",
    "identity",
    "pricing",
    "search",
    "billing",
    "ledger",
    "claims",
    "notifications",
    "analytics",
    "reporting",
    "platform",
    "monitoring",
    "logging",
    "ingress",
    "data",
];

/// The names a cluster's namespaces take, by rank: the system ones, then
/// `<word>-<env>` and `<word>-<env>-<n>`, distinct, enough for
/// [`crate::profile::MAX_NAMESPACES_PER_CLUSTER`].
static NAMESPACE_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut names: Vec<String> = SYSTEM_NAMESPACES.iter().map(|s| s.to_string()).collect();
    let most = crate::cast::index(crate::profile::MAX_NAMESPACES_PER_CLUSTER);
    let mut round = 0;
    while names.len() < most {
        for env in pools::ENV_SHORT {
            for w in NAMESPACE_WORDS {
                names.push(if round == 0 {
                    format!("{w}-{env}")
                } else {
                    format!("{w}-{env}-{}", round + 1)
                });
            }
        }
        round += 1;
    }
    names.truncate(most);
    names
});

/// A pod name's first part per application name (`customer-portal`), in
/// `APP_WORD_A` x `APP_WORD_B` order; a pod of no application is a
/// `workload`.
static APP_SLUGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let (a, b) = (pools::APP_WORD_A.values, pools::APP_WORD_B.values);
    a.iter()
        .flat_map(|x| b.iter().map(move |y| format!("{x}-{y}").to_lowercase()))
        .collect()
});

/// An image repository per [`APP_SLUGS`] entry.
static IMAGES: LazyLock<Vec<String>> = LazyLock::new(|| {
    APP_SLUGS
        .iter()
        .map(|s| format!("registry.internal/apps/{s}"))
        .collect()
});

/// ReplicaSet hashes: ten characters of the alphabet Kubernetes uses for
/// generated names. An application's pods share one.
static RS_HASHES: LazyLock<Vec<String>> = LazyLock::new(|| {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..4096u64)
        .map(|k| {
            let mut h = rng::mix(k ^ 0x6b38);
            (0..10)
                .map(|_| {
                    let c = ALPHABET[crate::cast::index(h % ALPHABET.len() as u64)];
                    h = rng::mix(h);
                    char::from(c)
                })
                .collect()
        })
        .collect()
});

/// The slug index of an application's name (`Value::Name` of two pool
/// words), if it is one.
fn slug_of(name: &Value<'_>) -> Option<usize> {
    let Value::Name { a, b, .. } = *name else {
        return None;
    };
    let (wa, wb) = (pools::APP_WORD_A.values, pools::APP_WORD_B.values);
    let x = wa.iter().position(|w| *w == a)?;
    let y = wb.iter().position(|w| *w == b)?;
    Some(x * wb.len() + y)
}

/// A cluster's distribution (an index into [`DISTRIBUTIONS`]) for a draw.
#[inline]
pub(super) fn distribution(h: u64) -> usize {
    let total = DISTRIBUTION_WEIGHTS.iter().map(|&w| u64::from(w)).sum();
    rng::weighted(h, DISTRIBUTION_WEIGHTS, total)
}

impl World {
    /// The node pool of Kubernetes cluster `c`: its even share of its data
    /// centre's container servers (the `k`-th of `n` clusters there takes
    /// `k·len/n..(k+1)·len/n`). A data centre without containers lends its
    /// virtual servers, one without those its physical ones. When a data
    /// centre has fewer such servers than clusters, a cluster's share is
    /// the one server its slot falls on (clusters share it). Empty only
    /// when the data centre has no servers at all.
    pub fn k8s_node_pool(&self, c: u64) -> Range<u64> {
        let clusters = self.count(NodeKind::KubernetesCluster);
        if self.count(NodeKind::DataCenter) == 0 || clusters == 0 {
            return 0..0;
        }
        // A cluster a change set adds past the count (its row's
        // `node_count`) is sized like the last one.
        let c = c.min(clusters - 1);
        let hosted = RelKind::KubernetesClusterHostedInDataCenter;
        let dc = self.parent(hosted, c);
        let peers = self.children(hosted, dc);
        let n = (peers.end - peers.start).max(1);
        let k = c.saturating_sub(peers.start).min(n - 1);
        let Some(s) = [CONTAINER, VIRTUAL, PHYSICAL]
            .into_iter()
            .map(|t| self.server_range(dc, t))
            .find(|r| !r.is_empty())
        else {
            return 0..0;
        };
        let len = u128::from(s.end - s.start);
        let at = |k: u64| s.start + crate::cast::narrow(u128::from(k) * len / u128::from(n));
        let lo = at(k);
        lo..at(k + 1).max(lo + 1)
    }

    /// The cluster of namespace `ns`.
    #[inline]
    fn namespace_cluster(&self, ns: u64) -> u64 {
        self.parent(RelKind::NamespaceInClusterKubernetesCluster, ns)
    }

    /// The cluster of pod `p`.
    #[inline]
    pub fn pod_cluster(&self, p: u64) -> u64 {
        self.namespace_cluster(self.parent(RelKind::PodInNamespaceNamespace, p))
    }

    /// The pods of cluster `c`: its namespaces are a range, and so are
    /// their pods.
    pub fn pods_of_cluster(&self, c: u64) -> Range<u64> {
        let ns = self.children(RelKind::NamespaceInClusterKubernetesCluster, c);
        if ns.is_empty() {
            return 0..0;
        }
        let r = RelKind::PodInNamespaceNamespace;
        self.children(r, ns.start).start..self.children(r, ns.end - 1).end
    }

    /// The node pod `p` runs on: a node of its cluster's pool, `None` when
    /// the pool is empty.
    pub(super) fn pod_node(&self, p: u64) -> Option<u64> {
        let pool = self.k8s_node_pool(self.pod_cluster(p));
        if pool.is_empty() {
            return None;
        }
        let h = Stream::new(self.profile.seed, NODE_STREAM).at(p);
        Some(pool.start + rng::below(h, pool.end - pool.start))
    }

    /// Fills `out` with the pods running on server `s`, in pod order (none
    /// when it is no node). The clusters whose pool holds it are
    /// neighbours among its data centre's clusters (pools start in cluster
    /// order), found by bisection; their pods are then scanned, a few
    /// hundred in the built-in profiles. For a storm spread from a failing
    /// node to its pods.
    pub(super) fn pods_on(&self, s: u64, out: &mut Vec<u64>) {
        out.clear();
        if self.count(NodeKind::Pod) == 0 {
            return;
        }
        let Some(dc) = self.server_dc(s) else {
            return;
        };
        let peers = self.children(RelKind::KubernetesClusterHostedInDataCenter, dc);
        // The first cluster whose pool starts after `s`.
        let (mut lo, mut hi) = (peers.start, peers.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.k8s_node_pool(mid).start <= s {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let first = (peers.start..lo)
            .rev()
            .take_while(|&c| self.k8s_node_pool(c).contains(&s))
            .last();
        let nodes = Stream::new(self.profile.seed, NODE_STREAM);
        for c in first.into_iter().flat_map(|f| f..lo) {
            // `pod_node` with the cluster's pool computed once.
            let pool = self.k8s_node_pool(c);
            let len = pool.end - pool.start;
            out.extend(
                self.pods_of_cluster(c)
                    .filter(|&p| pool.start + rng::below(nodes.at(p), len) == s),
            );
        }
    }

    /// The number of applications that run as pods: the last
    /// `kubernetes.applications` share of them (none without pods).
    pub fn k8s_applications(&self) -> u64 {
        let apps = self.count(NodeKind::Application);
        if self.count(NodeKind::Pod) == 0 {
            return 0;
        }
        let share = self.profile.kubernetes.applications;
        crate::cast::whole((apps as f64 * share).round()).min(apps)
    }

    /// The application pod `p` is a replica of: the pods split evenly over
    /// the applications that run as pods, so an application's replicas are
    /// neighbours (one namespace, or two).
    pub(super) fn pod_app(&self, p: u64) -> Option<u64> {
        let k = self.k8s_applications();
        let pods = self.count(NodeKind::Pod);
        if k == 0 || pods == 0 {
            return None;
        }
        let split = Split::Even {
            parents: k,
            children: pods,
        };
        let first = self.count(NodeKind::Application) - k;
        Some(first + split.parent_of(p.min(pods - 1)))
    }

    /// The fixed degree of an optional Kubernetes family: every pod is a
    /// replica of an application when some run as pods.
    pub(super) fn k8s_fixed_degree(&self, r: RelKind) -> Option<u64> {
        (r == RelKind::PodInstanceOfApplication).then(|| u64::from(self.k8s_applications() > 0))
    }

    /// The rows of `Pod -RUNS_ON-> Server` starting at pods `rows`: the
    /// pods of the clusters whose pool is not empty, counted per cluster.
    pub(super) fn pod_node_rows(&self, rows: Range<u64>) -> u64 {
        if rows.is_empty() {
            return 0;
        }
        let overlap = |a: Range<u64>| a.end.min(rows.end).saturating_sub(a.start.max(rows.start));
        let (first, last) = (self.pod_cluster(rows.start), self.pod_cluster(rows.end - 1));
        (first..=last)
            .filter(|&c| !self.k8s_node_pool(c).is_empty())
            .map(|c| overlap(self.pods_of_cluster(c)))
            .sum()
    }

    /// The head of namespace `i`: its name within its cluster by rank (the
    /// system namespaces first), and `name`, which adds the cluster's
    /// number to make it unique in the estate (`payments-prd.42`).
    pub(super) fn namespace_head(&self, i: u64) -> (Value<'static>, &'static str) {
        let r = RelKind::NamespaceInClusterKubernetesCluster;
        let c = self.namespace_cluster(i);
        let rank = i.saturating_sub(self.children(r, c).start);
        let names = &*NAMESPACE_NAMES;
        let fixed = SYSTEM_NAMESPACES.len() as u64;
        let span = names.len() as u64 - fixed;
        // The team namespaces start at a cluster's own offset.
        let at = if rank < fixed {
            rank
        } else {
            let off = Stream::new(self.profile.seed, NAMESPACE_STREAM).at(c) % span;
            fixed + (rank - fixed + off) % span
        };
        let short = names[crate::cast::index(at)].as_str();
        let name = Value::Name {
            a: short,
            b: "",
            sep: ".",
            n: c,
        };
        (name, short)
    }

    /// The head of pod `i`: `<application>-<replica set hash>-<n>`, the
    /// hash shared by the application's pods; `t` is the slug index.
    pub(super) fn pod_head(&self, i: u64) -> (Value<'static>, usize) {
        let app = self.pod_app(i);
        let slug = app
            .and_then(|a| slug_of(&self.name_of(NodeKind::Application, a)))
            .unwrap_or(usize::MAX);
        let a = APP_SLUGS.get(slug).map_or("workload", |s| s.as_str());
        let h = Stream::new(self.profile.seed, APP_STREAM).at(app.unwrap_or(0));
        let hash = RS_HASHES[crate::cast::index(h % RS_HASHES.len() as u64)].as_str();
        let name = Value::Name {
            a,
            b: hash,
            sep: "-",
            n: i,
        };
        (name, slug)
    }

    /// Row `i` of `KubernetesCluster`: its distribution, a version, and
    /// the number of nodes in its pool.
    pub(super) fn kubernetes_cluster<'w>(
        &'w self,
        i: u64,
        d: &mut Draws,
        out: &mut Vec<Value<'w>>,
    ) {
        let kind = NodeKind::KubernetesCluster;
        let h = self.head(kind, i, d);
        self.ci_common(kind, i, model::KUBERNETES_CLUSTER_LABELS[0], &h, d, out);
        out.push(Value::Str(DISTRIBUTIONS[h.t].0));
        out.push(Value::Name {
            a: "1",
            b: MINOR.pick(d.next()),
            sep: ".",
            n: d.below(12),
        });
        let pool = self.k8s_node_pool(i);
        out.push(Value::Int((pool.end - pool.start) as i64));
    }

    /// Row `i` of `Namespace`: its name within its cluster.
    pub(super) fn namespace<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let kind = NodeKind::Namespace;
        let h = self.head(kind, i, d);
        self.ci_common(kind, i, model::NAMESPACE_LABELS[0], &h, d, out);
        out.push(Value::Str(self.namespace_head(i).1));
    }

    /// Row `i` of `Pod`: its phase (from its lifecycle), its application's
    /// image (one version for all its replicas) and restarts, more for
    /// failed pods.
    pub(super) fn pod<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let kind = NodeKind::Pod;
        let h = self.head(kind, i, d);
        self.ci_common(kind, i, model::POD_LABELS[0], &h, d, out);
        let phase = phase(self.life(kind, i).state, d.next());
        out.push(Value::Str(phase));
        let image = IMAGES
            .get(h.t)
            .map_or("registry.internal/apps/workload", |s| s.as_str());
        let app = self.pod_app(i).unwrap_or(0);
        let minor = Stream::new(self.profile.seed, APP_STREAM).at(app) >> 32;
        out.push(Value::Name {
            a: image,
            b: "",
            sep: ":1.",
            n: minor % 40,
        });
        let restarts = match phase {
            "Failed" => 1 + d.below(20),
            "Pending" => 0,
            _ => rng::skewed(d.next(), 6, 2.0),
        };
        out.push(Value::Int(restarts as i64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{cell, pairs};
    use crate::model::Table;
    use crate::profile::Profile;
    use std::collections::HashSet;

    fn world(text: &str) -> World {
        World::new(&Profile::parse(text, "t").unwrap())
    }

    /// Every pool is a slice of servers of its cluster's data centre, of the
    /// first of the container, virtual and physical kinds it has.
    fn check_pools(w: &World) -> Result<(), String> {
        let hosted = RelKind::KubernetesClusterHostedInDataCenter;
        for c in 0..w.count(NodeKind::KubernetesCluster) {
            let dc = w.parent(hosted, c);
            let pool = w.k8s_node_pool(c);
            let slice = [CONTAINER, VIRTUAL, PHYSICAL]
                .into_iter()
                .map(|t| w.server_range(dc, t))
                .find(|r| !r.is_empty());
            match &slice {
                None if pool.is_empty() => {}
                None => {
                    return Err(format!(
                        "cluster {c}: a pool in a data centre without servers"
                    ))
                }
                Some(s) => {
                    if pool.is_empty() || pool.start < s.start || pool.end > s.end {
                        return Err(format!("cluster {c}: pool {pool:?} outside {s:?}"));
                    }
                }
            }
            // Clusters of a data centre with enough servers do not share.
            let peers = w.children(hosted, dc);
            if c > peers.start {
                let prev = w.k8s_node_pool(c - 1);
                let len = slice.as_ref().map_or(0, |s| s.end - s.start);
                if len >= peers.end - peers.start && prev.end > pool.start {
                    return Err(format!("cluster {c}: pool overlaps its neighbour's"));
                }
            }
        }
        Ok(())
    }

    #[test]
    fn pods_run_on_their_clusters_pool_in_its_data_centre() {
        for name in ["tiny", "medium", "large"] {
            let w = World::new(&Profile::load(name).unwrap());
            check_pools(&w).unwrap();
            let runs = pairs(&w, RelKind::PodRunsOnServer);
            assert_eq!(runs.len() as u64, w.count(NodeKind::Pod), "{name}");
            for &(p, s) in &runs {
                let ns = w.parent(RelKind::PodInNamespaceNamespace, p);
                let c = w.parent(RelKind::NamespaceInClusterKubernetesCluster, ns);
                assert_eq!(c, w.pod_cluster(p));
                assert!(w.k8s_node_pool(c).contains(&s), "{name}: pod {p}");
                let dc = w.parent(RelKind::KubernetesClusterHostedInDataCenter, c);
                assert_eq!(w.server_dc(s), Some(dc), "{name}: pod {p}");
            }
            // A cluster's pods are one range, the ranges in cluster order.
            let mut next = 0;
            for c in 0..w.count(NodeKind::KubernetesCluster) {
                let pods = w.pods_of_cluster(c);
                if pods.is_empty() {
                    continue;
                }
                assert_eq!(pods.start, next, "{name}: cluster {c}");
                next = pods.end;
            }
            assert_eq!(next, w.count(NodeKind::Pod));
            let nodes: u64 = (0..w.count(NodeKind::KubernetesCluster))
                .map(|c| {
                    cell(&w, NodeKind::KubernetesCluster, c, "node_count")
                        .parse::<u64>()
                        .unwrap()
                })
                .sum();
            assert!(nodes > 0);
        }
    }

    #[test]
    fn namespace_names_are_unique_per_cluster_and_names_in_the_estate() {
        let w = World::new(&Profile::load("large").unwrap());
        let k = NodeKind::Namespace;
        let r = RelKind::NamespaceInClusterKubernetesCluster;
        let mut names = HashSet::new();
        for c in 0..w.count(NodeKind::KubernetesCluster) {
            let mut short = HashSet::new();
            for (rank, ns) in w.children(r, c).enumerate() {
                let s = cell(&w, k, ns, "namespace");
                if rank < SYSTEM_NAMESPACES.len() {
                    assert_eq!(s, SYSTEM_NAMESPACES[rank]);
                }
                assert!(short.insert(s.clone()), "cluster {c}: {s} twice");
                let name = cell(&w, k, ns, "name");
                assert_eq!(name, format!("{s}.{c}"));
                assert!(names.insert(name));
            }
        }
        // The most a profile allows are distinct too.
        let all: HashSet<_> = NAMESPACE_NAMES.iter().collect();
        assert_eq!(all.len() as u64, crate::profile::MAX_NAMESPACES_PER_CLUSTER);
    }

    #[test]
    fn pods_are_replicas_of_the_last_applications() {
        let w = World::new(&Profile::load("medium").unwrap());
        let apps = w.count(NodeKind::Application);
        let k = w.k8s_applications();
        // medium's 1,820 applications, 0.3 of them (546) as pods.
        assert_eq!(
            (apps, k),
            (1820, 546),
            "0.3 of the applications run as pods"
        );
        let of = pairs(&w, RelKind::PodInstanceOfApplication);
        assert_eq!(of.len() as u64, w.count(NodeKind::Pod));
        let mut seen = HashSet::new();
        for &(p, a) in &of {
            assert!(a >= apps - k && a < apps, "pod {p}: app {a}");
            seen.insert(a);
            // The pod's name starts with its application's name.
            let app = cell(&w, NodeKind::Application, a, "name").to_lowercase();
            let words: Vec<&str> = app.split(' ').take(2).collect();
            let pod = cell(&w, NodeKind::Pod, p, "name");
            assert!(pod.starts_with(&words.join("-")), "{pod} of {app}");
            assert!(pod.ends_with(&format!("-{p}")), "{pod}");
        }
        assert_eq!(seen.len() as u64, k.min(w.count(NodeKind::Pod)));
        // Replicas of one application share its image.
        let image = |p| cell(&w, NodeKind::Pod, p, "image");
        for pair in of.windows(2) {
            if pair[0].1 == pair[1].1 {
                assert_eq!(image(pair[0].0), image(pair[1].0));
            }
        }
        for c in 0..w.count(NodeKind::KubernetesCluster) {
            let d = cell(&w, NodeKind::KubernetesCluster, c, "distribution");
            let (_, slug) = DISTRIBUTIONS.iter().find(|x| x.0 == d).unwrap();
            assert!(cell(&w, NodeKind::KubernetesCluster, c, "name").starts_with(slug));
            let v = cell(&w, NodeKind::KubernetesCluster, c, "version");
            let minor: u32 = v.split('.').nth(1).unwrap().parse().unwrap();
            assert!((27..=31).contains(&minor), "{v}");
        }
    }

    #[test]
    fn a_pods_phase_follows_its_lifecycle_and_pods_are_young() {
        let w = World::new(&Profile::load("medium").unwrap());
        let window = w.profile().time.event_window_days;
        let oldest = w.reference() - NodeKind::Pod.max_age().seconds(window);
        let mut phases = std::collections::BTreeMap::new();
        let mut young = 0;
        for p in 0..w.count(NodeKind::Pod) {
            let l = w.life(NodeKind::Pod, p);
            assert!(l.created >= oldest, "pod {p} is older than its kind: {l:?}");
            young += u64::from(w.reference() - l.created < 30 * 86_400);
            let phase = cell(&w, NodeKind::Pod, p, "phase");
            let status = cell(&w, NodeKind::Pod, p, "install_status");
            let want: &[&str] = match status.as_str() {
                "Installed" | "In Maintenance" => &["Running"],
                "Pending Repair" => &["Failed"],
                "Pending Install" | "On Order" => &["Pending"],
                "Retired" => &["Succeeded", "Failed"],
                s => panic!("pod {p}: install_status {s}"),
            };
            assert!(
                want.contains(&phase.as_str()),
                "pod {p}: {phase} while {status}"
            );
            let restarts: u64 = cell(&w, NodeKind::Pod, p, "restart_count").parse().unwrap();
            match phase.as_str() {
                "Pending" => assert_eq!(restarts, 0, "pod {p}"),
                "Failed" => assert!(restarts > 0, "pod {p}"),
                _ => {}
            }
            *phases.entry(phase).or_insert(0u64) += 1;
        }
        assert_eq!(phases.len(), 4, "every phase occurs: {phases:?}");
        assert!(
            phases["Running"] * 10 > w.count(NodeKind::Pod) * 8,
            "{phases:?}"
        );
        assert!(young > 0, "some pods are days old");
        // Other kinds keep their years.
        let old = (0..w.count(NodeKind::Server))
            .filter(|&s| w.life(NodeKind::Server, s).created < oldest)
            .count();
        assert!(old > 0);
    }

    #[test]
    fn without_containers_pools_fall_back_and_without_servers_pods_run_nowhere() {
        // No containers: the virtual servers are the pools.
        let w = world(
            "[nodes]\nRegion = 1\nDataCenter = 3\nServer = 300\n\
             KubernetesCluster = 5\nNamespace = 20\nPod = 100\n[compute]\ncontainer = 0.0\n",
        );
        check_pools(&w).unwrap();
        for c in 0..5 {
            for s in w.k8s_node_pool(c) {
                assert_eq!(w.server_type(s), VIRTUAL);
            }
        }
        assert_eq!(pairs(&w, RelKind::PodRunsOnServer).len(), 100);
        // No servers at all: no pool, so no RUNS_ON rows, and the count
        // agrees with the rows.
        let w = world(
            "[nodes]\nRegion = 1\nDataCenter = 3\nKubernetesCluster = 2\nNamespace = 8\nPod = 40\n",
        );
        assert_eq!(w.rows(Table::Rel(RelKind::PodRunsOnServer)), 0);
        assert!(pairs(&w, RelKind::PodRunsOnServer).is_empty());
        // No applications: pods are of none.
        assert_eq!(w.rows(Table::Rel(RelKind::PodInstanceOfApplication)), 0);
        assert!(cell(&w, NodeKind::Pod, 0, "name").starts_with("workload-"));
        // More clusters than containers: clusters share a node.
        let w = world(
            "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 10\nKubernetesCluster = 6\nNamespace = 6\nPod = 60\n",
        );
        check_pools(&w).unwrap();
        for c in 0..6 {
            assert_eq!(w.k8s_node_pool(c).end - w.k8s_node_pool(c).start, 1);
        }
    }

    #[test]
    fn kubernetes_keys_are_checked() {
        let e = Profile::parse("[nodes]\nRegion = 1\nDataCenter = 1\nPod = 3\n", "t")
            .unwrap_err()
            .0;
        assert!(e.contains("nodes.Namespace"), "{e}");
        let e = Profile::parse(
            "[nodes]\nRegion = 1\nDataCenter = 1\nKubernetesCluster = 1\nNamespace = 1001\n",
            "t",
        )
        .unwrap_err()
        .0;
        assert!(e.contains("nodes.Namespace") && e.contains("1000"), "{e}");
        let e = Profile::parse(
            "[nodes]\nRegion = 1\n[kubernetes]\napplications = 1.5\n",
            "t",
        )
        .unwrap_err()
        .0;
        assert!(e.contains("kubernetes.applications"), "{e}");
        let e = Profile::parse("[nodes]\nRegion = 1\n[kubernetes]\npods = 1\n", "t")
            .unwrap_err()
            .0;
        assert!(e.contains("pods"), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// For any estate, every pool lies in its cluster's data centre
        /// (non-empty exactly when the data centre has servers), and the
        /// RUNS_ON rows counted from ranges are the pods with a node.
        #[test]
        fn the_pool_rule_holds_for_any_estate(
            dcs in 1u64..12,
            servers in 0u64..600,
            clusters in 1u64..40,
            namespaces in 0u64..80,
            pods in 0u64..400,
            container in 0.0f64..0.4,
            seed in 0u64..1_000,
        ) {
            let namespaces = namespaces.max(u64::from(pods > 0));
            let text = format!(
                "seed = {seed}\n[nodes]\nRegion = 2\nDataCenter = {dcs}\nServer = {servers}\n\
                 KubernetesCluster = {clusters}\nNamespace = {namespaces}\n\
                 Pod = {pods}\n[compute]\ncontainer = {container}\n"
            );
            let w = world(&text);
            proptest::prop_assert_eq!(check_pools(&w), Ok(()));
            let with_node = (0..pods).filter(|&p| w.pod_node(p).is_some()).count() as u64;
            proptest::prop_assert_eq!(w.rows(Table::Rel(RelKind::PodRunsOnServer)), with_node);
            proptest::prop_assert_eq!(pairs(&w, RelKind::PodRunsOnServer).len() as u64, with_node);
            // `pods_on` lists exactly the pods whose node a server is.
            let mut on = vec![Vec::new(); crate::cast::index(servers)];
            for p in 0..pods {
                if let Some(s) = w.pod_node(p) {
                    on[crate::cast::index(s)].push(p);
                }
            }
            let mut got = Vec::new();
            for (s, want) in on.iter().enumerate() {
                w.pods_on(s as u64, &mut got);
                proptest::prop_assert_eq!(&got, want, "server {}", s);
            }
        }
    }
}
