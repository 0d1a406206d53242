//! Node rows: one function per kind, each a pure function of (seed, i).
//! The values are pushed in the order of the kind's columns in `model.rs`.

use super::events::{ALERT, INCIDENT};
use super::lifecycle;
use super::pools::{self, Pool};
use super::{Value, World};
use crate::model::{self, NodeKind, RelKind};
use crate::rng::{self, Draws};

#[inline]
fn pick(p: &'static Pool, d: &mut Draws) -> Value<'static> {
    Value::Word(p.pick_word(d.next()))
}

#[inline]
fn int(v: u64) -> Value<'static> {
    Value::Int(v as i64)
}

/// What a configuration item's first draws decide: its name (the natural
/// key), and the type index or pool word its other columns reuse.
pub(super) struct Head {
    /// The `name` column.
    pub name: Value<'static>,
    /// The weighted type index (servers, devices, applications), else 0.
    pub t: usize,
    /// The pool word the name starts with (data centres: city; databases:
    /// engine), else "".
    pub word: &'static str,
    /// The environment (index into `pools::ENVIRONMENT`) when the name
    /// carries it: drawn once, written in the name and in `environment`.
    pub env: Option<usize>,
    /// The business-service tier (index into `pools::BSVC_TIER`) the
    /// criticality follows: a service's own, an application's from a
    /// service it supports; `None` for the other kinds.
    pub tier: Option<usize>,
}

/// An environment index, drawn with the weights of `pools::ENVIRONMENT`.
#[inline]
fn env_of(h: u64) -> usize {
    rng::weighted(h, pools::ENVIRONMENT.weights, pools::ENVIRONMENT.total)
}

impl World {
    /// The head of item `i` of a configuration-item kind, from the first draws
    /// of its row stream. The row generators start with it, and
    /// [`World::name_of`] uses it alone, so an id computed from a name needs
    /// only these few draws, not the whole row.
    ///
    /// The head always comes from the kind's own row stream, and `row` then
    /// skips as many draws: for a row drawn from that stream nothing
    /// changes, and a multi-source item's previous version (drawn from
    /// another stream) keeps the item's type, environment and name, so its
    /// stale values agree with them.
    #[inline]
    pub(super) fn head(&self, kind: NodeKind, i: u64, row: &mut Draws) -> Head {
        let start = self.node_streams[kind.index()].draws(i);
        let mut own = start.clone();
        let d = &mut own;
        let name = |a, b, sep| Value::Name { a, b, sep, n: i };
        let mut env = None;
        let mut env_short = |h| {
            let e = env_of(h);
            env = Some(e);
            pools::ENV_SHORT[e]
        };
        let (name, t, word) = match kind {
            NodeKind::Region => {
                let n = pools::REGION_NAMES.len() as u64;
                let slot = crate::cast::index(i % n);
                let v = if i < n {
                    Value::Str(pools::REGION_NAMES[slot])
                } else {
                    Value::Name {
                        a: pools::REGION_NAMES[slot],
                        b: "",
                        sep: " ",
                        n: i / n + 1,
                    }
                };
                (v, 0, "")
            }
            NodeKind::DataCenter => {
                // A city of the data centre's own region.
                let slot = self.parent(RelKind::DataCenterLocatedInRegion, i)
                    % pools::REGION_NAMES.len() as u64;
                let cities = pools::REGION_CITIES[crate::cast::index(slot)];
                let city = cities[crate::cast::index(rng::below(d.next(), cities.len() as u64))];
                (name(city, "DC", " "), 0, city)
            }
            NodeKind::Server => {
                // The type follows the position (`World::server_type`); the
                // draw it replaced stays so the name keeps its draws.
                d.next();
                let t = self.server_type(i);
                let role = pools::SERVER_ROLE.pick(d.next());
                (name(role, env_short(d.next()), "-"), t, "")
            }
            NodeKind::NetworkDevice => {
                let t = rng::weighted(d.next(), pools::DEVICE_TYPE_WEIGHTS, 100);
                let env = env_short(d.next());
                (name(pools::DEVICE_TYPES[t].0, env, "-"), t, "")
            }
            NodeKind::Database => {
                let p = &pools::DB_ENGINE;
                let t = rng::weighted(d.next(), p.weights, p.total);
                let engine = p.values[t];
                (name(engine, env_short(d.next()), " "), t, engine)
            }
            NodeKind::Application => {
                let t = rng::weighted(d.next(), pools::APP_TYPE_WEIGHTS, 100);
                let a = pools::APP_WORD_A.pick(d.next());
                (name(a, pools::APP_WORD_B.pick(d.next()), " "), t, "")
            }
            NodeKind::BusinessService => {
                let n = name(pools::BSVC_NAME.pick(d.next()), "", " ");
                // The tier comes with the name: an application's criticality
                // reads it from here without generating the service's row.
                let p = &pools::BSVC_TIER;
                (n, rng::weighted(d.next(), p.weights, p.total), "")
            }
            NodeKind::Cluster => {
                let (name, word) = super::infra::cluster_head(i, d);
                (name, 0, word)
            }
            NodeKind::BusinessApplication => (
                name(super::platform::BAPP_NAME.pick(d.next()), "", " "),
                0,
                "",
            ),
            NodeKind::StorageArray => super::storage::array_head(i, d),
            NodeKind::StorageVolume => (name("vol", env_short(d.next()), "-"), 0, ""),
            NodeKind::CloudAccount | NodeKind::AvailabilityZone => {
                let h = self.cloud_head(kind, i, d);
                (h.name, h.t, h.word)
            }
            NodeKind::Subnet => (name("net", env_short(d.next()), "-"), 0, ""),
            NodeKind::KubernetesCluster => {
                let t = super::kubernetes::distribution(d.next());
                let slug = super::kubernetes::DISTRIBUTIONS[t].1;
                (name(slug, env_short(d.next()), "-"), t, slug)
            }
            NodeKind::Namespace => (self.namespace_head(i).0, 0, ""),
            NodeKind::Pod => {
                let (n, t) = self.pod_head(i);
                (n, t, "")
            }
            NodeKind::Event
            | NodeKind::Group
            | NodeKind::SoftwareInstall
            | NodeKind::NetworkInterface
            | NodeKind::IPAddress
            | NodeKind::SourceRecord => (Value::Null, 0, ""),
        };
        let tier = (kind == NodeKind::BusinessService).then_some(t);
        row.skip_like(&start, d);
        Head {
            name,
            t,
            word,
            env,
            tier,
        }
    }

    /// The `name` of configuration item `i` of kind `k` (its natural key),
    /// from its head alone: a few draws instead of a whole row.
    #[inline]
    pub fn name_of(&self, k: NodeKind, i: u64) -> Value<'static> {
        self.head(k, i, &mut self.node_streams[k.index()].draws(i))
            .name
    }

    /// Appends row `i` of node kind `kind` to `out` (`i < count(kind)`):
    /// the merged row in multi-source mode. Writing many rows in order is
    /// cheaper through [`World::node_rows`].
    pub fn node_row<'w>(&'w self, kind: NodeKind, i: u64, out: &mut Vec<Value<'w>>) {
        if kind == NodeKind::SourceRecord {
            self.node_rows(kind, i).next_row(out);
            return;
        }
        let from = out.len();
        let mut d = self.node_streams[kind.index()].draws(i);
        self.row_from(kind, i, &mut d, out);
        if self.is_multi_source() {
            self.merge_row(kind, i, from, out, None);
        }
    }

    /// The rows of a node table from row `start` on.
    pub fn node_rows(&self, kind: NodeKind, start: u64) -> NodeRows<'_> {
        NodeRows {
            world: self,
            kind,
            i: start,
            record: None,
        }
    }

    /// Appends the generator's row `i` of `kind` from the draws `d`.
    pub(super) fn row_from<'w>(
        &'w self,
        kind: NodeKind,
        i: u64,
        d: &mut Draws,
        out: &mut Vec<Value<'w>>,
    ) {
        match kind {
            NodeKind::Region => self.region(i, d, out),
            NodeKind::DataCenter => self.datacenter(i, d, out),
            NodeKind::Server => self.server(i, d, out),
            NodeKind::NetworkDevice => self.device(i, d, out),
            NodeKind::Database => self.database(i, d, out),
            NodeKind::Application => self.application(i, d, out),
            NodeKind::BusinessService => self.business_service(i, d, out),
            NodeKind::Event => self.event(i, d, out),
            NodeKind::BusinessApplication | NodeKind::Group | NodeKind::SoftwareInstall => {
                self.platform_row(kind, i, d, out);
            }
            NodeKind::Cluster => self.cluster(i, d, out),
            NodeKind::StorageArray => self.storage_array(i, d, out),
            NodeKind::StorageVolume => self.storage_volume(i, d, out),
            NodeKind::NetworkInterface | NodeKind::IPAddress | NodeKind::Subnet => {
                self.network_row(kind, i, d, out);
            }
            NodeKind::SourceRecord => {}
            NodeKind::CloudAccount | NodeKind::AvailabilityZone => self.cloud_row(kind, i, d, out),
            NodeKind::KubernetesCluster => self.kubernetes_cluster(i, d, out),
            NodeKind::Namespace => self.namespace(i, d, out),
            NodeKind::Pod => self.pod(i, d, out),
        }
    }

    /// The columns every configuration item shares, `id` to `source`. The
    /// environment is the head's when its name carries one, else drawn; the
    /// criticality follows the head's business-service tier when it has
    /// one, else the environment.
    pub(super) fn ci_common<'w>(
        &'w self,
        kind: NodeKind,
        i: u64,
        labels: &'static [&'static str],
        head: &Head,
        d: &mut Draws,
        out: &mut Vec<Value<'w>>,
    ) {
        out.push(Value::Id {
            prefix: kind.id_prefix(),
            n: i,
        });
        out.push(Value::Labels(labels));
        out.push(head.name);
        let life = self.life(kind, i);
        out.push(Value::Word(&lifecycle::STATUS[life.state]));
        out.push(Value::Word(&lifecycle::INSTALL_STATUS[life.state]));
        out.push(Value::Word(&lifecycle::OPERATIONAL_STATUS[life.state]));
        // The lifecycle has its own stream; skipping the draw it replaced
        // keeps the later columns their values.
        d.next();
        // Both draws stay in place (a name's environment leaves its draw
        // unused) so the columns after them draw the same values.
        let (hc, he) = (d.next(), d.next());
        let e = head.env.unwrap_or_else(|| env_of(he));
        let weights = match head.tier {
            Some(t) => &pools::CRITICALITY_BY_TIER[t],
            None => &pools::CRITICALITY_BY_ENV[e],
        };
        let c = rng::weighted(hc, weights, 100);
        out.push(Value::Word(&pools::CRITICALITY.words[c]));
        out.push(Value::Word(&pools::ENVIRONMENT.words[e]));
        out.push(self.owner_team(kind, i, d.next()));
        d.next();
        // A planned CI, not yet discovered, carries its record's date (no
        // date is left empty: neo4j-admin 5.0-5.5 cannot read one).
        let first = life.first.unwrap_or(life.created);
        out.push(Value::DateTime(life.created));
        out.push(Value::DateTime(first));
        out.push(Value::DateTime(life.last.unwrap_or(life.created)));
        out.push(Value::DateTime(life.retired.unwrap_or(first)));
        // Zero to three tags.
        let mut mask = 0u16;
        for _ in 0..d.below(4) {
            mask |= 1 << d.below(pools::TAGS.len() as u64);
        }
        out.push(Value::Tags(mask));
        self.push_source_tags(kind, d, out);
    }

    fn region<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let n = pools::REGION_NAMES.len() as u64;
        let slot = crate::cast::index(i % n);
        let h = self.head(NodeKind::Region, i, d);
        self.ci_common(NodeKind::Region, i, model::REGION_LABELS[0], &h, d, out);
        // `US East 2` is where `US East` is: the geo and code follow the slot.
        out.push(Value::Str(pools::REGION_GEO[slot]));
        out.push(if i < n {
            Value::Str(pools::REGION_CODES[slot])
        } else {
            Value::Name {
                a: pools::REGION_CODES[slot],
                b: "",
                sep: "-",
                n: i / n + 1,
            }
        });
    }

    fn datacenter<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let h = self.head(NodeKind::DataCenter, i, d);
        let labels = model::DATACENTER_LABELS[0];
        self.ci_common(NodeKind::DataCenter, i, labels, &h, d, out);
        out.push(Value::Str(h.word));
        out.push(int(1 + d.below(4)));
        out.push(pick(&pools::DC_PROVIDER, d));
    }

    fn server<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let h = self.head(NodeKind::Server, i, d);
        let t = h.t;
        let labels = model::SERVER_LABELS[self.server_labels(i, t)];
        self.ci_common(NodeKind::Server, i, labels, &h, d, out);
        out.push(Value::Str(pools::SERVER_TYPES[t].0));
        out.push(pick(pools::OS_BY_TYPE[t], d));
        // Virtual servers and their hosts are sized so that guests fit.
        let (cores, memory, cost) = self.compute_shape(i, t, d);
        out.push(Value::Cents(cores as i64));
        out.push(Value::Cents(memory as i64));
        out.push(Value::Cents(cost));
        // Its primary interface's address (`network`).
        out.push(self.server_ip(i));
    }

    fn device<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let h = self.head(NodeKind::NetworkDevice, i, d);
        let t = h.t;
        let labels = model::DEVICE_LABELS[t];
        self.ci_common(NodeKind::NetworkDevice, i, labels, &h, d, out);
        out.push(Value::Str(pools::DEVICE_TYPES[t].0));
        // The model decides the vendor and the port count.
        let m = pools::DEVICE_MODELS[t].pick(d.next());
        out.push(Value::Word(&m.vendor));
        out.push(Value::Word(&m.model));
        #[allow(
            clippy::cast_possible_truncation,
            reason = "the low 20 bits of the row number, masked"
        )]
        out.push(Value::Ipv4(0xAC10_0000 | (i as u32 & 0x000F_FFFF)));
        out.push(int(m.ports));
    }

    fn database<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let h = self.head(NodeKind::Database, i, d);
        let labels = model::DATABASE_LABELS[0];
        self.ci_common(NodeKind::Database, i, labels, &h, d, out);
        let e = &pools::ENGINES[h.t];
        out.push(Value::Str(h.word));
        out.push(pick(e.versions, d));
        // Sizes are log-uniform over the engine's usual range.
        let (lo, hi) = e.size_log2;
        out.push(int(1u64 << (lo + d.below(hi - lo + 1))));
        let (lo, hi) = e.replicas;
        out.push(int(lo + d.below(hi - lo + 1)));
        out.push(Value::Bool(d.below(10) < 7));
    }

    fn application<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let mut h = self.head(NodeKind::Application, i, d);
        h.tier = self.supported_tier(i);
        let t = h.t;
        self.ci_common(NodeKind::Application, i, model::APP_LABELS[t], &h, d, out);
        out.push(Value::Str(pools::APP_TYPES[t].0));
        out.push(pick(&pools::LANGUAGE, d));
        let (major, minor, patch) = (d.below(12), d.below(30), d.below(100));
        // Versions are drawn from a small static table to avoid allocation.
        out.push(Value::Name {
            a: VERSION_MAJOR[crate::cast::index(major)],
            b: VERSION_MINOR[crate::cast::index(minor)],
            sep: ".",
            n: patch,
        });
        // Users: log-uniform up to about 10 million.
        #[allow(clippy::cast_possible_truncation, reason = "below 7")]
        let digits = 1 + d.below(7) as u32;
        out.push(int(d.below(10u64.pow(digits))));
        out.push(Value::Cents(d.below(5_000_000) as i64));
    }

    /// The criticality weights the base draws CI `i` of `kind` with (see
    /// [`World::ci_common`]): its business-service tier's when it has one,
    /// else its environment's. A change set draws new criticalities from
    /// them, so they stay ones the base could have given.
    pub(crate) fn criticality_weights(&self, kind: NodeKind, i: u64) -> &'static [u32] {
        let mut d = self.node_streams[kind.index()].draws(i);
        let tier = match kind {
            NodeKind::Application => self.supported_tier(i),
            _ => self.head(kind, i, &mut d).tier,
        };
        if let Some(t) = tier {
            return &pools::CRITICALITY_BY_TIER[t];
        }
        // The environment as the row has it (drawn after the head for the
        // kinds whose name does not carry it).
        let mut row = Vec::new();
        self.row_from(
            kind,
            i,
            &mut self.node_streams[kind.index()].draws(i),
            &mut row,
        );
        let at = kind
            .columns(self.provenance)
            .iter()
            .position(|c| c.name == "environment");
        let env = at
            .and_then(|at| match row.get(at) {
                Some(Value::Word(w)) => pools::ENVIRONMENT
                    .words
                    .iter()
                    .position(|e| e.text == w.text),
                _ => None,
            })
            .unwrap_or(0);
        &pools::CRITICALITY_BY_ENV[env]
    }

    /// The tier of the first business service application `i` supports
    /// (`None` when it supports none): its criticality follows it.
    #[inline]
    pub(super) fn supported_tier(&self, i: u64) -> Option<usize> {
        let k = NodeKind::BusinessService;
        let s = self.first_target(model::RelKind::ApplicationSupportsBusinessService, i)?;
        self.head(k, s, &mut self.node_streams[k.index()].draws(s))
            .tier
    }

    fn business_service<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let h = self.head(NodeKind::BusinessService, i, d);
        let labels = model::BSVC_LABELS[0];
        self.ci_common(NodeKind::BusinessService, i, labels, &h, d, out);
        let tier = h.t;
        out.push(Value::Word(&pools::BSVC_TIER.words[tier]));
        // Gold services carry the most revenue, bronze the least.
        let cap = [100_000_000, 25_000_000, 5_000_000][tier];
        out.push(Value::Cents(d.below(cap) as i64));
        out.push(pick(&pools::BSVC_DESC, d));
    }

    fn event<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let t = self.type_of(i, d.next());
        out.push(Value::Id {
            prefix: NodeKind::Event.id_prefix(),
            n: i,
        });
        out.push(Value::Labels(model::EVENT_LABELS[t]));
        let title = match t {
            ALERT => &pools::ALERT_TITLE,
            INCIDENT => &pools::INCIDENT_TITLE,
            _ => &pools::CHANGE_TITLE,
        };
        out.push(pick(title, d));
        out.push(Value::Str(pools::EVENT_TYPES[t].0));
        let sev = &pools::SEVERITY;
        let severity = rng::weighted(d.next(), sev.weights, sev.total);
        out.push(Value::Word(&sev.words[severity]));
        let at = self.event_time(i);
        let minutes = Self::event_minutes(t, severity, d);
        // Open: not over by the reference, or a forgotten ticket (one in
        // fifty); resolved or closed otherwise. An open event has no end.
        let h = d.next();
        let open = at + minutes * 60 > self.reference || rng::below(h, 50) == 0;
        // In pool order: open, acknowledged, resolved, closed.
        let k = usize::from(!open) * 2 + usize::from(h >> 8 & 1 == 1);
        out.push(Value::Word(&pools::EVENT_STATUS.words[k]));
        out.push(Value::DateTime(at));
        out.push(if open {
            Value::Null
        } else {
            Value::Int(minutes)
        });
        self.push_source_tags(NodeKind::Event, d, out);
    }
}

/// Streams the rows of one node table from any starting row (each row the
/// same as [`World::node_row`]); `SourceRecord` rows are walked in order
/// instead of located one by one.
pub struct NodeRows<'w> {
    world: &'w World,
    kind: NodeKind,
    i: u64,
    /// The next `SourceRecord`: (item kind, item, source).
    record: Option<(NodeKind, u64, usize)>,
}

impl<'w> NodeRows<'w> {
    /// Appends the next row to `out`; `false` past the table's end.
    pub fn next_row(&mut self, out: &mut Vec<Value<'w>>) -> bool {
        let w = self.world;
        if self.i >= w.count(self.kind) {
            return false;
        }
        if self.kind != NodeKind::SourceRecord {
            w.node_row(self.kind, self.i, out);
            self.i += 1;
            return true;
        }
        let Some((k, i, x)) = self.record.take().or_else(|| w.source_record_of(self.i)) else {
            return false;
        };
        w.source_record_row(k, i, x, out);
        self.i += 1;
        // The next report of the same item, else the item's successor's
        // first (located afresh at a kind's end).
        let mask = w.reporter_mask(k, i);
        let rest = if x >= 63 {
            0
        } else {
            mask >> (x + 1) << (x + 1)
        };
        self.record = if rest != 0 {
            Some((k, i, rest.trailing_zeros() as usize))
        } else if i + 1 < w.count(k) {
            let next = w.reporter_mask(k, i + 1);
            (next != 0).then(|| (k, i + 1, next.trailing_zeros() as usize))
        } else {
            None
        };
        true
    }
}

/// How servers of one type are sized and priced. Sizes are in hundredths
/// (of a core, of a GB), the unit of a `double` column: a container's
/// limits are fractions (0.25 cores, 0.5 GB), and sums stay exact.
struct Sizing {
    /// The sizes the type comes in, in hundredths of a core.
    cores: &'static [u64],
    /// Their weights, summing to 100.
    weights: &'static [u32],
    /// Memory is `cores << k` GB for `k` in this range.
    gb_per_core_log2: (u64, u64),
    /// Monthly cost in cents of a core and of a GB of memory: a cloud core
    /// costs more than an on-premises one, a container's share of a host
    /// the least.
    price: (u64, u64),
}

/// Server sizing in `pools::SERVER_TYPES` order: physical, virtual,
/// container, cloud. Containers get the limits Kubernetes pods are given
/// (250m to 4 cores); the others whole cores.
static SIZING: [Sizing; 4] = [
    Sizing {
        cores: &[
            1_600, 2_400, 3_200, 4_800, 6_400, 9_600, 12_800, 19_200, 25_600,
        ],
        weights: &[8, 10, 18, 16, 18, 10, 10, 5, 5],
        gb_per_core_log2: (2, 4),
        price: (1_000, 150),
    },
    Sizing {
        cores: &[100, 200, 400, 800, 1_600, 3_200],
        weights: &[6, 22, 30, 24, 12, 6],
        gb_per_core_log2: (1, 3),
        price: (1_500, 300),
    },
    Sizing {
        cores: &[25, 50, 100, 200, 400],
        weights: &[25, 30, 25, 12, 8],
        gb_per_core_log2: (0, 2),
        price: (800, 200),
    },
    Sizing {
        cores: &[200, 400, 800, 1_600, 3_200, 6_400],
        weights: &[22, 30, 24, 14, 7, 3],
        gb_per_core_log2: (1, 3),
        price: (3_000, 500),
    },
];

/// The cores and memory (both in hundredths) and monthly cost (cents) of a
/// server of type index `t`: a function of the type alone, so a type
/// derived from elsewhere sizes the same way.
#[inline]
pub(super) fn server_shape(t: usize, d: &mut Draws) -> (u64, u64, i64) {
    let (c, memory) = server_size(t, d);
    (c, memory, server_cost(t, c, memory, d))
}

/// The cores and memory (GB) of a server of type index `t`, in hundredths.
#[inline]
pub(super) fn server_size(t: usize, d: &mut Draws) -> (u64, u64) {
    let s = &SIZING[t];
    let c = s.cores[rng::weighted(d.next(), s.weights, 100)];
    let (lo, hi) = s.gb_per_core_log2;
    (c, c << (lo + d.below(hi - lo + 1)))
}

/// The monthly cost (cents) of a server of type index `t` and its size (in
/// hundredths).
#[inline]
pub(super) fn server_cost(t: usize, cores: u64, memory: u64, d: &mut Draws) -> i64 {
    let s = &SIZING[t];
    let base = (cores * s.price.0 + memory * s.price.1) / 100;
    // Up to 10% on top: discounts and licences differ per host.
    (base + d.below(base / 10 + 1)) as i64
}

#[cfg(test)]
#[test]
fn sizing_weights_sum_to_100() {
    assert_eq!(SIZING.len(), pools::SERVER_TYPES.len());
    for s in &SIZING {
        assert_eq!(s.cores.len(), s.weights.len());
        assert_eq!(s.weights.iter().sum::<u32>(), 100);
        assert!(s.gb_per_core_log2.0 <= s.gb_per_core_log2.1);
    }
}

static VERSION_MAJOR: [&str; 12] = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
];
static VERSION_MINOR: [&str; 30] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29",
];
