//! Node rows: one function per kind, each a pure function of (seed, i).
//! The values are pushed in the order of the kind's columns in `model.rs`.

use super::events::{ALERT, INCIDENT};
use super::lifecycle;
use super::pools::{self, Pool};
use super::{Value, World};
use crate::model::{self, NodeKind};
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
}

/// The head of item `i` of a configuration-item kind, from the first draws
/// of its row stream. The row generators start with it, and
/// [`World::name_of`] uses it alone, so an id computed from a name needs
/// only these few draws, not the whole row.
#[inline]
pub(super) fn head(kind: NodeKind, i: u64, d: &mut Draws) -> Head {
    let name = |a, b, sep| Value::Name { a, b, sep, n: i };
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
            let city = pools::CITY.pick(d.next());
            (name(city, "DC", " "), 0, city)
        }
        NodeKind::Server => {
            let t = rng::weighted(d.next(), pools::SERVER_TYPE_WEIGHTS, 100);
            let role = pools::SERVER_ROLE.pick(d.next());
            (name(role, pools::ENV_SHORT.pick(d.next()), "-"), t, "")
        }
        NodeKind::NetworkDevice => {
            let t = rng::weighted(d.next(), pools::DEVICE_TYPE_WEIGHTS, 100);
            let env = pools::ENV_SHORT.pick(d.next());
            (name(pools::DEVICE_TYPES[t].0, env, "-"), t, "")
        }
        NodeKind::Database => {
            let engine = pools::DB_ENGINE.pick(d.next());
            (
                name(engine, pools::ENV_SHORT.pick(d.next()), " "),
                0,
                engine,
            )
        }
        NodeKind::Application => {
            let t = rng::weighted(d.next(), pools::APP_TYPE_WEIGHTS, 100);
            let a = pools::APP_WORD_A.pick(d.next());
            (name(a, pools::APP_WORD_B.pick(d.next()), " "), t, "")
        }
        NodeKind::BusinessService => (name(pools::BSVC_NAME.pick(d.next()), "", " "), 0, ""),
        NodeKind::Event | NodeKind::SourceRecord => (Value::Null, 0, ""),
    };
    Head { name, t, word }
}

impl World {
    /// The `name` of configuration item `i` of kind `k` (its natural key),
    /// from its head alone: a few draws instead of a whole row.
    #[inline]
    pub fn name_of(&self, k: NodeKind, i: u64) -> Value<'static> {
        head(k, i, &mut self.node_streams[k.index()].draws(i)).name
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
            NodeKind::SourceRecord => {}
        }
    }

    /// The columns every configuration item shares, `id` to `source`.
    fn ci_common<'w>(
        &'w self,
        kind: NodeKind,
        i: u64,
        labels: &'static [&'static str],
        name: Value<'w>,
        d: &mut Draws,
        out: &mut Vec<Value<'w>>,
    ) {
        out.push(Value::Id {
            prefix: kind.id_prefix(),
            n: i,
        });
        out.push(Value::Labels(labels));
        out.push(name);
        let life = self.life(kind, i);
        out.push(Value::Word(&lifecycle::STATUS[life.state]));
        out.push(Value::Word(&lifecycle::INSTALL_STATUS[life.state]));
        out.push(Value::Word(&lifecycle::OPERATIONAL_STATUS[life.state]));
        // The lifecycle has its own stream; skipping the draws it replaced
        // keeps the later columns' values.
        d.next();
        out.push(pick(&pools::CRITICALITY, d));
        out.push(pick(&pools::ENVIRONMENT, d));
        out.push(pick(&pools::OWNER_TEAM, d));
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
        let Head { name, .. } = head(NodeKind::Region, i, d);
        self.ci_common(NodeKind::Region, i, model::REGION_LABELS[0], name, d, out);
        out.push(pick(&pools::GEO, d));
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
        let Head {
            name, word: city, ..
        } = head(NodeKind::DataCenter, i, d);
        self.ci_common(
            NodeKind::DataCenter,
            i,
            model::DATACENTER_LABELS[0],
            name,
            d,
            out,
        );
        out.push(Value::Str(city));
        out.push(int(1 + d.below(4)));
        out.push(pick(&pools::DC_PROVIDER, d));
    }

    fn server<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let Head { name, t, .. } = head(NodeKind::Server, i, d);
        self.ci_common(NodeKind::Server, i, model::SERVER_LABELS[t], name, d, out);
        out.push(Value::Str(pools::SERVER_TYPES[t].0));
        out.push(pick(&pools::OS, d));
        let cores = 1u64 << d.below(8); // 1..128
        let memory = cores * (2 << d.below(3)); // 2, 4 or 8 GB a core
        out.push(int(cores));
        out.push(int(memory));
        out.push(Value::Cents(
            (cores * 1_500 + memory * 400 + d.below(10_000)) as i64,
        ));
        #[allow(
            clippy::cast_possible_truncation,
            reason = "the low 24 bits of the row number, masked"
        )]
        out.push(Value::Ipv4(0x0A00_0000 | (i as u32 & 0x00FF_FFFF)));
    }

    fn device<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let Head { name, t, .. } = head(NodeKind::NetworkDevice, i, d);
        self.ci_common(
            NodeKind::NetworkDevice,
            i,
            model::DEVICE_LABELS[t],
            name,
            d,
            out,
        );
        out.push(Value::Str(pools::DEVICE_TYPES[t].0));
        out.push(pick(&pools::NET_VENDOR, d));
        out.push(pick(&pools::NET_MODEL, d));
        #[allow(
            clippy::cast_possible_truncation,
            reason = "the low 20 bits of the row number, masked"
        )]
        out.push(Value::Ipv4(0xAC10_0000 | (i as u32 & 0x000F_FFFF)));
        out.push(int(8 << d.below(4))); // 8..64 ports
    }

    fn database<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let Head {
            name, word: engine, ..
        } = head(NodeKind::Database, i, d);
        self.ci_common(
            NodeKind::Database,
            i,
            model::DATABASE_LABELS[0],
            name,
            d,
            out,
        );
        out.push(Value::Str(engine));
        out.push(pick(&pools::DB_VERSION, d));
        // Sizes are log-uniform from 1 GB to 64 TB.
        out.push(int(1u64 << d.below(17)));
        out.push(int(d.below(4)));
        out.push(Value::Bool(d.below(10) < 7));
    }

    fn application<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let Head { name, t, .. } = head(NodeKind::Application, i, d);
        self.ci_common(NodeKind::Application, i, model::APP_LABELS[t], name, d, out);
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

    fn business_service<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let Head { name, .. } = head(NodeKind::BusinessService, i, d);
        self.ci_common(
            NodeKind::BusinessService,
            i,
            model::BSVC_LABELS[0],
            name,
            d,
            out,
        );
        out.push(pick(&pools::BSVC_TIER, d));
        out.push(Value::Cents(d.below(100_000_000) as i64));
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

static VERSION_MAJOR: [&str; 12] = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
];
static VERSION_MINOR: [&str; 30] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29",
];
