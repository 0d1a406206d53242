//! Relationship rows: a cursor over one family's rows from any starting row.

use super::{pools, Value, World};
use crate::model::{RelKind, Shape};
use crate::rng::Draws;

/// Ports a network device connects to servers on.
static PORTS: &[i64] = &[22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9092, 27017];

/// Appends the property columns of a relationship of family `rel` (a port,
/// a dependency type, or none) from its draws: the generator's rows and
/// `changes`' new relationships share them.
#[inline]
pub(crate) fn push_props<'a>(rel: RelKind, d: &mut Draws, out: &mut Vec<Value<'a>>) {
    match rel {
        RelKind::NetworkDeviceConnectsToServer => {
            out.push(Value::Int(
                PORTS[crate::cast::index(d.below(PORTS.len() as u64))],
            ));
        }
        RelKind::ApplicationDependsOnDatabase | RelKind::ApplicationDependsOnApplication => {
            out.push(Value::Word(pools::DEP_TYPE.pick_word(d.next())));
        }
        _ => {}
    }
}

/// Streams the rows of one relationship family, starting at any row. Each
/// call to [`RelRows::next_row`] produces the next row; the sequence from row
/// `r` on is the same wherever the cursor was started.
pub struct RelRows<'w> {
    world: &'w World,
    rel: RelKind,
    shape: Shape,
    /// The next row's index.
    row: u64,
    /// The family's row count.
    end: u64,
    /// Current start node and the index of its next relationship.
    j: u64,
    k: u64,
    /// Ends of start node `j` (fan-out families; reporting sources of
    /// `REPORTED_BY` families).
    targets: Vec<u64>,
    /// Multi-source mode: the start id and record tags of start node `j`.
    start_cache: Option<(u64, [Value<'w>; 4])>,
    /// The (start, end) node indices of the last row produced.
    last: Option<(u64, u64)>,
}

impl<'w> RelRows<'w> {
    pub(super) fn new(world: &'w World, rel: RelKind, start: u64) -> Self {
        let shape = rel.spec().shape;
        let end = world.families[rel.index()].rows;
        let start = start.min(end);
        let mut rows = RelRows {
            world,
            rel,
            shape,
            row: start,
            end,
            j: start,
            k: 0,
            targets: Vec::new(),
            start_cache: None,
            last: None,
        };
        if !matches!(shape, Shape::Parent | Shape::Owns) && start < end {
            let cum = world.families[rel.index()]
                .cum
                .as_ref()
                .expect("fan-out families have totals");
            let (j, k) = cum.locate(start, |j| world.degree(rel, j));
            rows.j = j;
            rows.k = k;
            rows.load();
        }
        rows
    }

    fn load(&mut self) {
        if self.shape == Shape::Fanout {
            self.world
                .fanout_targets(self.rel, self.j, &mut self.targets);
        } else if self.shape == Shape::Reports {
            self.world
                .reporter_list(self.rel.spec().start, self.j, &mut self.targets);
        } else if self.shape == Shape::Optional {
            self.targets.clear();
            self.targets
                .extend(self.world.optional_end(self.rel, self.j));
        } else {
            self.targets.clear();
            self.targets
                .extend((0..self.world.degree(self.rel, self.j)).map(|_| 0));
        }
    }

    /// The (start, end) node indices of the next row, or `None` at the end.
    pub fn next_pair(&mut self) -> Option<(u64, u64)> {
        if self.row >= self.end {
            return None;
        }
        let pair = match self.shape {
            Shape::Parent => {
                let j = self.world.part(self.rel).start + self.row;
                (j, self.world.parent(self.rel, j))
            }
            Shape::Owns => {
                let e = self.row;
                (self.world.owner(self.rel, e), e)
            }
            Shape::Fanout | Shape::OneOf | Shape::Reports | Shape::Optional => {
                while self.k >= self.targets.len() as u64 {
                    self.j += 1;
                    self.k = 0;
                    self.load();
                }
                let end = if self.shape != Shape::OneOf {
                    self.targets[crate::cast::index(self.k)]
                } else {
                    self.world.affected(self.rel, self.j)
                };
                self.k += 1;
                (self.j, end)
            }
        };
        self.row += 1;
        Some(pair)
    }

    /// The (start, end) node indices of the row [`RelRows::next_row`] last
    /// produced.
    pub fn last_pair(&self) -> Option<(u64, u64)> {
        self.last
    }

    /// Appends the next row's values to `out`; `false` at the end.
    pub fn next_row(&mut self, out: &mut Vec<Value<'w>>) -> bool {
        let row = self.row;
        let Some((s, e)) = self.next_pair() else {
            return false;
        };
        self.last = Some((s, e));
        let w = self.world;
        let spec = self.rel.spec();
        if self.shape == Shape::Reports {
            w.reported_by_row(spec.start, s, crate::cast::index(e), out);
            return true;
        }
        let mut d = w.prop_streams[self.rel.index()].draws(row);
        if w.is_multi_source() {
            // Ids are canonical; the tags are the start item's record's.
            let cached = match self.start_cache {
                Some((j, v)) if j == s => v,
                _ => {
                    let mut v = Vec::with_capacity(4);
                    v.push(w.item_id(spec.start, s));
                    w.push_record_tags(spec.start, s, &mut v);
                    let v = [v[0], v[1], v[2], v[3]];
                    self.start_cache = Some((s, v));
                    v
                }
            };
            out.push(cached[0]);
            out.push(w.item_id(spec.end, e));
            out.extend_from_slice(&cached[1..]);
            // The same property draws as in single-source mode.
            d.next();
            d.next();
        } else {
            out.push(Value::Id {
                prefix: spec.start.id_prefix(),
                n: s,
            });
            out.push(Value::Id {
                prefix: spec.end.id_prefix(),
                n: e,
            });
            w.push_source_tags(spec.start, &mut d, out);
        }
        push_props(self.rel, &mut d, out);
        true
    }
}
