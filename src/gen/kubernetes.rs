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
pool!(
    /// A pod's phase: most run, some wait to start, jobs' pods complete or
    /// fail.
    static PHASE,
    [
        ("Running", 86),
        ("Pending", 4),
        ("Succeeded", 7),
        ("Failed", 3)
    ]
);

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
        if self.count(NodeKind::DataCenter) == 0 {
            return 0..0;
        }
        let hosted = RelKind::KubernetesClusterHostedInDataCenter;
        let dc = self.parent(hosted, c);
        let peers = self.children(hosted, dc);
        let n = (peers.end - peers.start).max(1);
        // A cluster a change set adds past the count takes the last slot.
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

    /// Row `i` of `Pod`: its phase, its application's image (one version
    /// for all its replicas) and restarts, more for failed pods.
    pub(super) fn pod<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let kind = NodeKind::Pod;
        let h = self.head(kind, i, d);
        self.ci_common(kind, i, model::POD_LABELS[0], &h, d, out);
        let phase = PHASE.pick(d.next());
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
