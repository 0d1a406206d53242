//! Storage: arrays hosted in data centres, volumes carved from the arrays,
//! and the servers and databases that use the volumes of their own data
//! centre. Every end is computed from the start's position (arrays and
//! volumes are contiguous ranges), never looked up.

use super::{Value, World};
use crate::model::{self, NodeKind, RelKind};
#[cfg(test)]
use crate::profile::MAX_VOLUMES_PER_ARRAY;
use crate::rng::{self, Draws};
use std::ops::Range;

/// One model of the array catalogue: vendor, model, the protocols it
/// serves, the capacities it is sold in (TB) and how common it is.
pub(super) struct ArrayModel {
    /// Who makes it.
    pub(super) vendor: &'static str,
    /// The model's name.
    pub(super) model: &'static str,
    /// The first words of an array's name (`netapp-aff-a400-42`).
    pub(super) slug: &'static str,
    /// The protocols its volumes can be served over.
    pub(super) protocols: &'static [&'static str],
    /// Usable capacities it is configured with, in TB.
    pub(super) capacities_tb: &'static [u64],
    /// How common it is.
    pub(super) weight: u32,
}

const fn array(
    vendor: &'static str,
    model: &'static str,
    slug: &'static str,
    protocols: &'static [&'static str],
    capacities_tb: &'static [u64],
    weight: u32,
) -> ArrayModel {
    ArrayModel {
        vendor,
        model,
        slug,
        protocols,
        capacities_tb,
        weight,
    }
}

const UNIFIED: &[&str] = &["iSCSI", "FC", "NFS", "NVMe-oF"];
const BLOCK: &[&str] = &["iSCSI", "FC", "NVMe-oF"];

/// The array catalogue: vendor, model, protocols and capacity always come
/// from one entry, so they exist together.
pub(super) static ARRAYS: &[ArrayModel] = &[
    array(
        "NetApp",
        "AFF A400",
        "netapp-aff-a400",
        UNIFIED,
        &[100, 250, 500],
        10,
    ),
    array(
        "NetApp",
        "AFF A250",
        "netapp-aff-a250",
        UNIFIED,
        &[50, 120, 240],
        6,
    ),
    array(
        "Dell",
        "PowerStore 5200T",
        "dell-powerstore-5200t",
        UNIFIED,
        &[120, 300, 600],
        9,
    ),
    array(
        "Dell",
        "PowerMax 2500",
        "dell-powermax-2500",
        BLOCK,
        &[250, 500, 1000],
        4,
    ),
    array(
        "Pure Storage",
        "FlashArray//X70",
        "pure-flasharray-x70",
        BLOCK,
        &[180, 360, 720],
        8,
    ),
    array(
        "Pure Storage",
        "FlashArray//C60",
        "pure-flasharray-c60",
        &["iSCSI", "FC", "NFS"],
        &[500, 1000, 1500],
        4,
    ),
    array(
        "HPE",
        "Alletra 6000",
        "hpe-alletra-6000",
        &["iSCSI", "FC"],
        &[60, 150, 300],
        6,
    ),
    array(
        "IBM",
        "FlashSystem 7300",
        "ibm-flashsystem-7300",
        BLOCK,
        &[100, 300, 600],
        5,
    ),
    array(
        "Hitachi Vantara",
        "VSP E990",
        "hitachi-vsp-e990",
        &["FC", "iSCSI", "NVMe-oF"],
        &[200, 500, 1000],
        3,
    ),
];

/// The catalogue's weights, in its order.
static ARRAY_WEIGHTS: std::sync::LazyLock<(Vec<u32>, u64)> = std::sync::LazyLock::new(|| {
    let w: Vec<u32> = ARRAYS.iter().map(|a| a.weight).collect();
    let total = w.iter().map(|&x| u64::from(x)).sum();
    (w, total)
});

/// A volume takes 30% to 95% of its even share of its array's capacity, in
/// thousandths: the sum over an array's volumes stays within its capacity.
const SHARE_MIN: u64 = 300;
const SHARE_SPAN: u64 = 651;

/// The first draws of array `i`'s row: its catalogue entry and capacity.
/// The head, the row and every volume of the array share them.
#[inline]
fn array_draws(d: &mut Draws) -> (usize, u64) {
    let (weights, total) = &*ARRAY_WEIGHTS;
    let m = rng::weighted(d.next(), weights, *total);
    let caps = ARRAYS[m].capacities_tb;
    let tb = caps[crate::cast::index(d.below(caps.len() as u64))];
    (m, tb * 1_000)
}

/// The head of storage array `i`: its model names it
/// (`netapp-aff-a400-42`); `t` is the catalogue entry.
#[inline]
pub(super) fn array_head(i: u64, d: &mut Draws) -> (Value<'static>, usize, &'static str) {
    let (m, _) = array_draws(d);
    let slug = ARRAYS[m].slug;
    let name = Value::Name {
        a: slug,
        b: "",
        sep: "-",
        n: i,
    };
    (name, m, slug)
}

impl World {
    /// Row `i` of `StorageArray`.
    pub(super) fn storage_array<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let kind = NodeKind::StorageArray;
        let (_, capacity) = self.array_spec(i);
        let h = self.head(kind, i, d);
        self.ci_common(kind, i, model::STORAGE_ARRAY_LABELS[0], &h, d, out);
        let m = &ARRAYS[h.t];
        out.push(Value::Str(m.vendor));
        out.push(Value::Str(m.model));
        out.push(Value::Int(capacity as i64));
    }

    /// Row `i` of `StorageVolume`: a size within its share of its array's
    /// capacity and a protocol its array's model serves.
    pub(super) fn storage_volume<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let kind = NodeKind::StorageVolume;
        let h = self.head(kind, i, d);
        self.ci_common(kind, i, model::STORAGE_VOLUME_LABELS[0], &h, d, out);
        let a = self.parent(RelKind::StorageVolumeHostedOnStorageArray, i);
        let (m, capacity) = self.array_spec(a);
        let siblings = self.volumes_of_array(a).end - self.volumes_of_array(a).start;
        out.push(Value::Int(volume_size(capacity, siblings, d.next()) as i64));
        let protocols = ARRAYS[m].protocols;
        out.push(Value::Str(
            protocols[crate::cast::index(d.below(protocols.len() as u64))],
        ));
    }

    /// Array `a`'s catalogue entry and capacity in GB, from its row's
    /// first draws.
    #[inline]
    pub(crate) fn array_spec(&self, a: u64) -> (usize, u64) {
        array_draws(&mut self.node_streams[NodeKind::StorageArray.index()].draws(a))
    }

    /// The volumes of array `a`.
    #[inline]
    pub(crate) fn volumes_of_array(&self, a: u64) -> Range<u64> {
        self.children(RelKind::StorageVolumeHostedOnStorageArray, a)
    }

    /// The volumes of data centre `dc`: its arrays are a contiguous range
    /// and the volumes split evenly over all arrays in order, so theirs are
    /// one range too, from the first array's first to the last's last.
    #[inline]
    pub(crate) fn volumes_of_dc(&self, dc: u64) -> Range<u64> {
        if self.count(NodeKind::StorageArray) == 0 || self.count(NodeKind::StorageVolume) == 0 {
            return 0..0;
        }
        let arrays = self.children(RelKind::StorageArrayHostedInDataCenter, dc);
        if arrays.is_empty() {
            return 0..0;
        }
        self.volumes_of_array(arrays.start).start..self.volumes_of_array(arrays.end - 1).end
    }

    /// The data centre whose volumes start `j` of a `USES_STORAGE` family
    /// can use: a server's own, a database's first server's.
    #[inline]
    pub(crate) fn storage_dc(&self, r: RelKind, j: u64) -> Option<u64> {
        match r {
            RelKind::ServerUsesStorageStorageVolume => self.server_dc(j),
            RelKind::DatabaseUsesStorageStorageVolume => {
                let server = self.first_target(RelKind::DatabaseRunsOnServer, j)?;
                self.server_dc(server)
            }
            _ => None,
        }
    }

    /// The `Server-USES_STORAGE` rows starting at servers `rows`: each draws
    /// its count, capped by the volumes of its data centre (none in the
    /// cloud), the same degree as node by node.
    pub(super) fn storage_rows(&self, rows: Range<u64>) -> u64 {
        let f = self.fanout_family(RelKind::ServerUsesStorageStorageVolume);
        self.sum_by_dc(rows, |dc, part| {
            let volumes = dc.map_or(0, |dc| {
                let v = self.volumes_of_dc(dc);
                v.end - v.start
            });
            if volumes == 0 {
                return 0;
            }
            part.map(|j| Self::capped_degree(&f, j, volumes)).sum()
        })
    }

    /// Database `j`'s `USES_STORAGE` degree given its first server, asked
    /// for only when its draw is not zero.
    pub(super) fn database_storage_degree(
        &self,
        j: u64,
        server: impl FnOnce() -> Option<u64>,
    ) -> u64 {
        let f = self.fanout_family(RelKind::DatabaseUsesStorageStorageVolume);
        if f.dist.min() == 0 && f.dist.sample(f.stream.at(j)) == 0 {
            return 0;
        }
        let volumes = server().and_then(|s| self.server_dc(s)).map_or(0, |dc| {
            let v = self.volumes_of_dc(dc);
            v.end - v.start
        });
        Self::capped_degree(&f, j, volumes)
    }

    /// The candidate volumes of start `j` of `USES_STORAGE` family `r`, as
    /// `(first, how many)`; `None` when `r` is not a storage family.
    #[inline]
    pub(super) fn storage_candidates(&self, r: RelKind, j: u64) -> Option<(u64, u64)> {
        if !matches!(
            r,
            RelKind::ServerUsesStorageStorageVolume | RelKind::DatabaseUsesStorageStorageVolume
        ) {
            return None;
        }
        let range = match self.storage_dc(r, j) {
            Some(dc) => self.volumes_of_dc(dc),
            None => 0..0,
        };
        Some((range.start, range.end - range.start))
    }
}

/// A volume's size in GB: 30% to 95% of an even share (`siblings` volumes)
/// of its array's `capacity`, at least 1.
#[inline]
fn volume_size(capacity: u64, siblings: u64, h: u64) -> u64 {
    let share = SHARE_MIN + rng::below(h, SHARE_SPAN);
    let even = u128::from(capacity) * u128::from(share) / (1_000 * u128::from(siblings.max(1)));
    crate::cast::narrow(even).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{cell, pairs};
    use crate::model::Table;
    use crate::profile::Profile;
    use std::collections::HashMap;

    fn world(name: &str) -> World {
        World::new(&Profile::load(name).unwrap())
    }

    #[test]
    fn array_vendor_model_and_capacity_agree() {
        let w = world("medium");
        let k = NodeKind::StorageArray;
        assert!(w.count(k) > 0);
        for i in 0..w.count(k) {
            let (vendor, model, cap) = (
                cell(&w, k, i, "vendor"),
                cell(&w, k, i, "model"),
                cell(&w, k, i, "capacity_gb"),
            );
            let entry = ARRAYS.iter().find(|a| a.model == model).unwrap();
            assert_eq!(entry.vendor, vendor, "{model}");
            let cap: u64 = cap.parse().unwrap();
            assert!(
                entry.capacities_tb.contains(&(cap / 1_000)),
                "{model} {cap}"
            );
            assert_eq!(w.array_spec(i).1, cap);
            assert!(cell(&w, k, i, "name").starts_with(entry.slug));
        }
    }

    #[test]
    fn volumes_fit_their_array_and_speak_its_protocols() {
        for name in ["tiny", "medium", "large"] {
            let w = world(name);
            let hosted = pairs(&w, RelKind::StorageVolumeHostedOnStorageArray);
            assert_eq!(hosted.len() as u64, w.count(NodeKind::StorageVolume));
            let mut used: HashMap<u64, u64> = HashMap::new();
            for &(v, a) in &hosted {
                let size: u64 = cell(&w, NodeKind::StorageVolume, v, "size_gb")
                    .parse()
                    .unwrap();
                assert!(size >= 1);
                *used.entry(a).or_default() += size;
                let protocol = cell(&w, NodeKind::StorageVolume, v, "protocol");
                let model = cell(&w, NodeKind::StorageArray, a, "model");
                let entry = ARRAYS.iter().find(|m| m.model == model).unwrap();
                assert!(
                    entry.protocols.contains(&protocol.as_str()),
                    "{model} {protocol}"
                );
            }
            for (a, total) in used {
                let cap: u64 = cell(&w, NodeKind::StorageArray, a, "capacity_gb")
                    .parse()
                    .unwrap();
                assert!(total <= cap, "{name}: array {a} holds {total} GB of {cap}");
            }
        }
    }

    #[test]
    fn users_and_volumes_share_a_data_centre() {
        let w = world("medium");
        let dc_of_volume = |v| {
            let a = w.parent(RelKind::StorageVolumeHostedOnStorageArray, v);
            w.parent(RelKind::StorageArrayHostedInDataCenter, a)
        };
        let servers = pairs(&w, RelKind::ServerUsesStorageStorageVolume);
        assert!(!servers.is_empty());
        for &(s, v) in &servers {
            assert_eq!(
                w.parent(RelKind::ServerHostedInDataCenter, s),
                dc_of_volume(v)
            );
        }
        let dbs = pairs(&w, RelKind::DatabaseUsesStorageStorageVolume);
        assert!(!dbs.is_empty());
        let mut hosts = Vec::new();
        for &(db, v) in &dbs {
            w.fanout_targets(RelKind::DatabaseRunsOnServer, db, &mut hosts);
            let dc = w.parent(RelKind::ServerHostedInDataCenter, hosts[0]);
            assert_eq!(dc, dc_of_volume(v));
        }
        for r in [
            RelKind::ServerUsesStorageStorageVolume,
            RelKind::DatabaseUsesStorageStorageVolume,
            RelKind::StorageArrayHostedInDataCenter,
        ] {
            assert_eq!(pairs(&w, r).len() as u64, w.rows(Table::Rel(r)), "{r}");
        }
    }

    #[test]
    fn a_data_centres_volumes_are_its_arrays_volumes() {
        let w = world("large");
        let dcs = w.count(NodeKind::DataCenter);
        let mut next = 0;
        for dc in 0..dcs {
            let vols = w.volumes_of_dc(dc);
            if vols.is_empty() {
                continue;
            }
            // The ranges follow one another over the data centres in order.
            assert_eq!(vols.start, next, "dc {dc}");
            next = vols.end;
            for v in vols {
                let a = w.parent(RelKind::StorageVolumeHostedOnStorageArray, v);
                assert_eq!(w.parent(RelKind::StorageArrayHostedInDataCenter, a), dc);
            }
        }
        assert_eq!(next, w.count(NodeKind::StorageVolume));
    }

    #[test]
    fn no_arrays_no_storage_use() {
        let w = World::new(
            &Profile::parse(
                "[nodes]\nRegion = 1\nDataCenter = 2\nServer = 50\nDatabase = 10\n",
                "t",
            )
            .unwrap(),
        );
        assert_eq!(
            w.rows(Table::Rel(RelKind::ServerUsesStorageStorageVolume)),
            0
        );
        assert_eq!(
            w.rows(Table::Rel(RelKind::DatabaseUsesStorageStorageVolume)),
            0
        );
    }

    #[test]
    fn storage_keys_are_checked() {
        let e = Profile::parse("[nodes]\nRegion = 1\nStorageVolume = 3\n", "t")
            .unwrap_err()
            .0;
        assert!(e.contains("nodes.StorageArray"), "{e}");
        let e = Profile::parse("[nodes]\nStorageArray = 3\n", "t")
            .unwrap_err()
            .0;
        assert!(e.contains("nodes.DataCenter"), "{e}");
        let e = Profile::parse(
            "[nodes]\nRegion = 1\nDataCenter = 1\nStorageArray = 1\nStorageVolume = 10001\n",
            "t",
        )
        .unwrap_err()
        .0;
        assert!(e.contains("nodes.StorageVolume"), "{e}");
    }

    #[test]
    fn volume_sizes_sum_within_capacity_for_any_split() {
        for siblings in [1u64, 2, 3, 7, 100, MAX_VOLUMES_PER_ARRAY] {
            let cap = 50_000;
            let total: u64 = (0..siblings)
                .map(|k| volume_size(cap, siblings, rng::mix(k)))
                .sum();
            assert!(total <= cap, "{siblings}: {total}");
        }
    }
}
