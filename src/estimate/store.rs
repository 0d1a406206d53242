//! Neo4j store size after import, from the values of sampled rows.
//!
//! Record format ("aligned", Community's default): the record layouts of
//! ../shared/neo4j-import-spec.md §3.2, with each property encoded the way the
//! record storage engine encodes it (facts from the 5.x `PropertyType`,
//! `LongerShortString`/`ShortStringCodec`, `TemporalType` and
//! `DynamicArrayStore` sources; the code here is our own):
//!
//! * a property record is 41 B with four 8-byte blocks; a property never spans
//!   records, so an entity's properties are packed greedily in header order;
//! * `boolean`: 1 block; `int`/`long`: 1 block when `0 <= v < 2^35`, else 2;
//!   `double`: 2 blocks; `datetime` (with an offset): 3 blocks;
//! * a string is inlined as a "short string" when one of the short-string
//!   codecs can hold it in at most 4 blocks (39 header bits, then 4–8 bits per
//!   character), otherwise it takes 1 block plus ⌈UTF-8 bytes / 120⌉ dynamic
//!   string records of 128 B;
//! * a `string[]` takes 1 block plus ⌈(5 + Σ(4 + bytes)) / 120⌉ dynamic array
//!   records of 128 B (empty arrays are not stored: CSV cannot express them);
//! * labels: at most 3 per node from a handful of tokens, so they stay inline
//!   in the node record (no dynamic label records).
//!
//! Block format (Enterprise, §3.3) is only published as a structure, so its
//! figure here is a range from a coarse model, documented in
//! docs/capacity-planning.md.

use super::short_string::short_string_blocks;
use crate::gen::{pools, Value};
use crate::model::{ColKind, PropType, Provenance, Table};

/// Page size of the store files.
pub const PAGE: u64 = 8192;
/// Record sizes of the aligned format (§3.2).
pub const NODE_RECORD: u64 = 15;
/// Relationship record size.
pub const REL_RECORD: u64 = 34;
/// Property record size (4 blocks of 8 B + 9 B header).
pub const PROP_RECORD: u64 = 41;
/// Dynamic string/array record size (8 B header + 120 B data).
pub const DYN_RECORD: u64 = 128;
/// Data bytes of one dynamic record.
pub const DYN_DATA: u64 = 120;
/// Relationship group record size (dense nodes only).
pub const GROUP_RECORD: u64 = 25;
/// Degree from which a node is dense (`db.relationship_grouping_threshold`).
pub const DENSE_THRESHOLD: u64 = 50;
/// Record-format limits (§3.1).
pub const MAX_NODES: u64 = 1 << 35;
/// Relationship limit of the record formats.
pub const MAX_RELS: u64 = 1 << 35;
/// Property limit of the record formats.
pub const MAX_PROPS: u64 = 1 << 36;

/// Bytes a store of `records` records of `size` bytes takes, with records
/// never straddling an 8 KiB page (the "aligned" format).
pub fn aligned_bytes(records: u64, size: u64) -> u64 {
    let per_page = PAGE / size;
    records.div_ceil(per_page) * PAGE
}

/// What the rows seen so far of one table cost in the store. Sums over rows;
/// divided by `rows` and scaled by the table's row count in [`Self::scaled`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StoreAcc {
    /// Rows seen.
    pub rows: u64,
    /// Properties stored (non-empty values, including the `id` property).
    pub props: u64,
    /// Property records (41 B).
    pub prop_records: u64,
    /// Dynamic string records (128 B).
    pub string_records: u64,
    /// Dynamic array records (128 B).
    pub array_records: u64,
    /// Sum of the `id` key lengths (nodes): the uniqueness index keys.
    pub id_key_bytes: u64,
    /// Labels (node rows).
    pub labels: u64,
    /// Block format: property bytes kept in the node or relationship data.
    pub block_prop_bytes: u64,
    /// Block format: node properties overflowing the 128 B block, in
    /// `block.node.xd.db` records (128·X B).
    pub block_node_xd: u64,
    /// Block format: values too big to inline (`block.big_values.db`, 64·X B).
    pub block_big_values: u64,
}

impl StoreAcc {
    /// Adds one row of `table` (its columns under `p`).
    pub fn add(&mut self, table: Table, p: Provenance, row: &[Value<'_>], scratch: &mut Vec<u8>) {
        self.rows += 1;
        let mut cur_blocks = 0u32;
        let mut records = 0u64;
        let mut block_bytes = 0u64;
        for (col, v) in table.columns(p).iter().zip(row) {
            let cost = match col.kind {
                ColKind::Label => {
                    if let Value::Labels(ls) = v {
                        self.labels += ls.len() as u64;
                    }
                    continue;
                }
                ColKind::StartId | ColKind::EndId => continue,
                ColKind::Id => {
                    let len = text(v, scratch).len() as u64;
                    self.id_key_bytes += len;
                    string_cost(scratch)
                }
                ColKind::Prop(t) => match value_cost(t, v, scratch) {
                    Some(c) => c,
                    None => continue,
                },
            };
            self.props += 1;
            if cur_blocks + cost.blocks > 4 {
                records += 1;
                cur_blocks = 0;
            }
            cur_blocks += cost.blocks;
            self.string_records += cost.string_records;
            self.array_records += cost.array_records;
            block_bytes += cost.block_inline;
            self.block_big_values += cost.block_big;
        }
        if cur_blocks > 0 {
            records += 1;
        }
        self.prop_records += records;
        self.block_prop_bytes += block_bytes;
        if table.is_node() && block_bytes > BLOCK_NODE_INLINE {
            self.block_node_xd += 128 * block_bytes.div_ceil(128).min(64);
        }
    }

    /// Adds another accumulator.
    pub fn merge(&mut self, o: &StoreAcc) {
        self.rows += o.rows;
        self.props += o.props;
        self.prop_records += o.prop_records;
        self.string_records += o.string_records;
        self.array_records += o.array_records;
        self.id_key_bytes += o.id_key_bytes;
        self.labels += o.labels;
        self.block_prop_bytes += o.block_prop_bytes;
        self.block_node_xd += o.block_node_xd;
        self.block_big_values += o.block_big_values;
    }

    /// These sums scaled from the rows seen to `rows` rows (exact when every
    /// row was seen).
    pub fn scaled(&self, rows: u64) -> StoreAcc {
        if self.rows == rows || self.rows == 0 {
            return if self.rows == 0 {
                StoreAcc::default()
            } else {
                *self
            };
        }
        let f = rows as f64 / self.rows as f64;
        let s = |x: u64| crate::cast::whole((x as f64 * f).round());
        StoreAcc {
            rows,
            props: s(self.props),
            prop_records: s(self.prop_records),
            string_records: s(self.string_records),
            array_records: s(self.array_records),
            id_key_bytes: s(self.id_key_bytes),
            labels: s(self.labels),
            block_prop_bytes: s(self.block_prop_bytes),
            block_node_xd: s(self.block_node_xd),
            block_big_values: s(self.block_big_values),
        }
    }
}

/// Block format: property bytes a node's 64 B node-data record can hold next
/// to its header and labels (§3.3: "6–7 small properties").
const BLOCK_NODE_INLINE: u64 = 48;
/// Block format: values longer than this go to `block.big_values.db` (§3.3).
const BLOCK_BIG_VALUE: u64 = 31;

/// What one property costs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Property blocks in the record format (1..=4).
    pub blocks: u32,
    /// Dynamic string records.
    pub string_records: u64,
    /// Dynamic array records.
    pub array_records: u64,
    /// Block format: bytes inline in the node/relationship data.
    pub block_inline: u64,
    /// Block format: bytes in `block.big_values.db`.
    pub block_big: u64,
}

/// The unquoted text of a string-like value, in `scratch`.
fn text<'s>(v: &Value<'_>, scratch: &'s mut Vec<u8>) -> &'s [u8] {
    scratch.clear();
    match *v {
        // An integer id's stored part is its string `id` property.
        Value::Str(_)
        | Value::Word(_)
        | Value::Name { .. }
        | Value::Id { .. }
        | Value::IntegerId { .. } => v.put_text(scratch),
        // Never quoted by the CSV writer, so its CSV form is its text.
        _ => crate::write::csv::put_value(v, scratch),
    }
    scratch
}

/// Block-format bytes of a value of `len` bytes: inline with a 3 B key/type
/// header when short, else an 8 B reference plus 64·X B of big values.
fn block_value(len: u64) -> (u64, u64) {
    if len <= BLOCK_BIG_VALUE {
        (3 + len, 0)
    } else {
        (3 + 8, 64 * (len + 4).div_ceil(64))
    }
}

/// The cost of a string property.
pub fn string_cost(s: &[u8]) -> Cost {
    let len = s.len() as u64;
    let (block_inline, block_big) = block_value(len);
    match std::str::from_utf8(s).ok().and_then(short_string_blocks) {
        Some(blocks) => Cost {
            blocks,
            block_inline,
            block_big,
            ..Cost::default()
        },
        None => Cost {
            blocks: 1,
            string_records: len.div_ceil(DYN_DATA),
            block_inline,
            block_big,
            ..Cost::default()
        },
    }
}

/// The cost of one property value, or `None` when it is absent (empty field).
fn value_cost(t: PropType, v: &Value<'_>, scratch: &mut Vec<u8>) -> Option<Cost> {
    let c = match (t, v) {
        (_, Value::Null) => return None,
        (PropType::Boolean, _) => Cost {
            blocks: 1,
            block_inline: 3,
            ..Cost::default()
        },
        (PropType::Int | PropType::Long, Value::Int(i)) => Cost {
            blocks: if (0..1i64 << 35).contains(i) { 1 } else { 2 },
            block_inline: 3 + min_bytes(*i),
            ..Cost::default()
        },
        (PropType::Double, _) => Cost {
            blocks: 2,
            block_inline: 3 + 8,
            ..Cost::default()
        },
        (PropType::DateTime, _) => Cost {
            blocks: 3,
            block_inline: 3 + 12,
            ..Cost::default()
        },
        (PropType::StringArray, Value::Tags(_) | Value::Sources { .. }) => {
            let (n, bytes) = match *v {
                Value::Sources { names, mask } => crate::gen::selected(names, mask)
                    .fold((0u64, 0u64), |(n, b), t| (n + 1, b + t.len() as u64)),
                Value::Tags(mask) => pools::TAGS
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| mask & (1 << k) != 0)
                    .fold((0u64, 0u64), |(n, b), (_, t)| (n + 1, b + t.len() as u64)),
                _ => (0, 0),
            };
            if n == 0 {
                return None;
            }
            let stored = 5 + 4 * n + bytes;
            let (block_inline, block_big) = block_value(n + bytes);
            Cost {
                blocks: 1,
                array_records: stored.div_ceil(DYN_DATA),
                block_inline,
                block_big,
                ..Cost::default()
            }
        }
        // Strings, and any other value written into a string column.
        _ => string_cost(text(v, scratch)),
    };
    Some(c)
}

/// Bytes of the shortest two's-complement form of `i` (block-format integers).
fn min_bytes(i: i64) -> u64 {
    let bits = 65
        - if i < 0 {
            i.leading_ones()
        } else {
            i.leading_zeros()
        };
    u64::from(bits.div_ceil(8)).max(1)
}

/// The record-format store.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct RecordStore {
    /// Node records (15 B), page-aligned.
    pub nodes_bytes: u64,
    /// Relationship records (34 B).
    pub relationships_bytes: u64,
    /// Property records (41 B).
    pub properties_bytes: u64,
    /// Dynamic string records (128 B).
    pub strings_bytes: u64,
    /// Dynamic array records (128 B).
    pub arrays_bytes: u64,
    /// The RANGE indexes behind the `id` uniqueness constraints, one per kind
    /// (the constraints of `schema.cypher`; its few lookup indexes are not counted).
    pub id_indexes_bytes: u64,
    /// The node-label and relationship-type token lookup indexes.
    pub token_indexes_bytes: u64,
    /// Sum of the above.
    pub total_bytes: u64,
    /// Properties stored.
    pub properties: u64,
    /// Property records.
    pub property_records: u64,
    /// Dynamic string records.
    pub string_records: u64,
    /// Dynamic array records.
    pub array_records: u64,
    /// Not in the total: an upper bound for relationship group records of
    /// dense nodes (≥ 50 relationships), 25 B per dense node and type.
    pub relationship_groups_max_bytes: u64,
}

/// Bytes per entry of a native B+tree (GBPTree) RANGE index on a string key:
/// 8 B entity id + ~3 B value header + ~4 B slot/offset, over a 70 % leaf fill.
pub fn index_entry_bytes(key_bytes: f64) -> f64 {
    (key_bytes + 15.0) / 0.7
}

/// Token lookup indexes: one 16 B entry (token, 64-id range, bitmap) per
/// token and range of 64 entity ids that holds it, over a 70 % leaf fill.
fn token_index_bytes(entries: u64) -> u64 {
    crate::cast::whole((entries as f64 * 16.0 / 64.0 / 0.7).round())
}

/// The record-format store of `nodes` node rows and `rels` relationship rows
/// whose costs are summed in `n` and `r` (already scaled to the full counts),
/// with `rel_types` relationship types.
pub fn record_store(n: &StoreAcc, r: &StoreAcc, rel_types: u64) -> RecordStore {
    let nodes = n.rows;
    let rels = r.rows;
    let prop_records = n.prop_records + r.prop_records;
    let string_records = n.string_records + r.string_records;
    let array_records = n.array_records + r.array_records;
    let avg_key = if nodes > 0 {
        n.id_key_bytes as f64 / nodes as f64
    } else {
        0.0
    };
    let id_indexes_bytes = crate::cast::whole((nodes as f64 * index_entry_bytes(avg_key)).round());
    let token_indexes_bytes = token_index_bytes(n.labels) + token_index_bytes(rels);
    let mut s = RecordStore {
        nodes_bytes: aligned_bytes(nodes, NODE_RECORD),
        relationships_bytes: aligned_bytes(rels, REL_RECORD),
        properties_bytes: aligned_bytes(prop_records, PROP_RECORD),
        strings_bytes: aligned_bytes(string_records, DYN_RECORD),
        arrays_bytes: aligned_bytes(array_records, DYN_RECORD),
        id_indexes_bytes,
        token_indexes_bytes,
        total_bytes: 0,
        properties: n.props + r.props,
        property_records: prop_records,
        string_records,
        array_records,
        relationship_groups_max_bytes: GROUP_RECORD
            * rel_types
            * (2 * rels / DENSE_THRESHOLD).min(nodes),
    };
    s.total_bytes = s.nodes_bytes
        + s.relationships_bytes
        + s.properties_bytes
        + s.strings_bytes
        + s.arrays_bytes
        + s.id_indexes_bytes
        + s.token_indexes_bytes;
    s
}

/// The block-format store: a range from a coarse model (§3.3).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct BlockStore {
    /// `block.x1.db`: 128 B per node.
    pub x1_bytes: u64,
    /// `block.node.xd.db`: node properties that overflow the 128 B block.
    pub node_xd_bytes: u64,
    /// `block.big_values.db`: values over ~31 B.
    pub big_values_bytes: u64,
    /// Relationship data that does not fit the nodes' blocks: low end (as
    /// much as possible inline) and high end (all outside, 2/3 full).
    pub relationships_low_bytes: u64,
    /// High end of the relationship data outside the blocks.
    pub relationships_high_bytes: u64,
    /// Indexes (the same B+trees as in the record format).
    pub indexes_bytes: u64,
    /// Low end of the total.
    pub low_bytes: u64,
    /// High end of the total.
    pub high_bytes: u64,
    /// Middle of the range.
    pub bytes: u64,
}

/// Block format: bytes per relationship side (other node and type, packed).
const BLOCK_REL_SIDE: u64 = 10;
/// Block format: relationship bytes a node's 64 B relationship-data record
/// holds (§3.3: "up to ~5 relationships").
const BLOCK_REL_INLINE: u64 = 60;

/// The block-format store for the same data.
pub fn block_store(n: &StoreAcc, r: &StoreAcc, indexes_bytes: u64) -> BlockStore {
    let nodes = n.rows;
    let rel_bytes = r.rows * 2 * BLOCK_REL_SIDE + r.block_prop_bytes;
    let x1_bytes = 128 * nodes;
    let big = n.block_big_values + r.block_big_values;
    let fixed = x1_bytes + n.block_node_xd + big + indexes_bytes;
    let relationships_low_bytes = rel_bytes.saturating_sub(BLOCK_REL_INLINE * nodes);
    let relationships_high_bytes = rel_bytes * 3 / 2;
    let low = fixed + relationships_low_bytes;
    let high = fixed + relationships_high_bytes;
    BlockStore {
        x1_bytes,
        node_xd_bytes: n.block_node_xd,
        big_values_bytes: big,
        relationships_low_bytes,
        relationships_high_bytes,
        indexes_bytes,
        low_bytes: low,
        high_bytes: high,
        bytes: low / 2 + high / 2,
    }
}

/// Which record-format limits the data exceeds.
pub fn exceeded_limits(nodes: u64, rels: u64, props: u64, prop_records: u64) -> Vec<String> {
    let mut v = Vec::new();
    if nodes > MAX_NODES {
        v.push(format!("nodes: {nodes} > 2^35"));
    }
    if rels > MAX_RELS {
        v.push(format!("relationships: {rels} > 2^35"));
    }
    if props.max(prop_records) > MAX_PROPS {
        v.push(format!("properties: {} > 2^36", props.max(prop_records)));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeKind, RelKind};

    #[test]
    fn property_packing_and_dynamic_records() {
        let mut acc = StoreAcc::default();
        let mut scratch = Vec::new();
        // A relationship row: START, END, source, port.
        let row = [
            Value::Id {
                prefix: "net-",
                n: 1,
            },
            Value::Id {
                prefix: "srv-",
                n: 2,
            },
            Value::Str("servicenow"),
            Value::Int(443),
        ];
        acc.add(
            Table::Rel(RelKind::NetworkDeviceConnectsToServer),
            Provenance::SourceOnly,
            &row,
            &mut scratch,
        );
        // "servicenow" is LOWER, 10*5+39 = 89 bits -> 2 blocks; port 1 block.
        assert_eq!(acc.props, 2);
        assert_eq!(acc.prop_records, 1);
        assert_eq!(acc.string_records, 0);

        // A long string goes to the dynamic store: 1 block + ceil(130/120).
        let long = "x, ".repeat(43) + "y";
        let c = string_cost(long.as_bytes());
        assert_eq!((c.blocks, c.string_records), (1, 2));
        // Blocks 2 + 3 + 2 do not share one record: 2 records.
        let mut acc = StoreAcc::default();
        let ev = Table::Node(NodeKind::Event);
        let row = [
            Value::Id {
                prefix: "evt-",
                n: 7,
            },
            Value::Labels(&["Event", "Alert"]),
            Value::Str("CPU high"),
            Value::Str("alert"),
            Value::Null,
            Value::Null,
            Value::DateTime(1_735_689_600),
            Value::Null,
            Value::Null,
        ];
        acc.add(ev, Provenance::SourceOnly, &row, &mut scratch);
        // id (2 blocks) + title (ALPHANUM 8 chars: 39+48 -> 2) = 4 blocks in
        // record 1; event_type (LOWER: 1 block) + datetime (3) = 4 in record 2.
        assert_eq!(acc.props, 4);
        assert_eq!(acc.prop_records, 2);
        assert_eq!(acc.labels, 2);
        assert_eq!(acc.id_key_bytes, 13);
    }

    #[test]
    fn tags_go_to_the_array_store() {
        let mut s = Vec::new();
        // Two tags: 5 + 2*4 + bytes, well under 120: one record.
        let c = value_cost(PropType::StringArray, &Value::Tags(0b11), &mut s).unwrap();
        assert_eq!((c.blocks, c.array_records), (1, 1));
        assert_eq!(
            value_cost(PropType::StringArray, &Value::Tags(0), &mut s),
            None
        );
        let big = value_cost(PropType::Long, &Value::Int(1 << 40), &mut s).unwrap();
        assert_eq!(big.blocks, 2);
    }

    #[test]
    fn aligned_stores_round_to_pages() {
        assert_eq!(aligned_bytes(0, NODE_RECORD), 0);
        assert_eq!(aligned_bytes(1, NODE_RECORD), PAGE);
        // 546 node records fit a page, the 547th starts a new one.
        assert_eq!(aligned_bytes(546, NODE_RECORD), PAGE);
        assert_eq!(aligned_bytes(547, NODE_RECORD), 2 * PAGE);
    }

    #[test]
    fn limits_are_flagged() {
        assert!(exceeded_limits(MAX_NODES, MAX_RELS, MAX_PROPS, 1).is_empty());
        let v = exceeded_limits(MAX_NODES + 1, 1, 1, 1);
        assert_eq!(v.len(), 1);
        assert!(v[0].starts_with("nodes"));
        assert_eq!(exceeded_limits(1, MAX_RELS + 1, 1, MAX_PROPS + 1).len(), 2);
    }
}
