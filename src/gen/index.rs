//! Exact counting structures computed before any row is written.
//!
//! * [`Partition`]: children of one kind split into contiguous, skew-sized
//!   ranges over a small parent kind (servers over data centres). A parent's
//!   children are one look-up; a child's parent is a guide-table look-up and a
//!   search over the few parents that share its bucket.
//! * [`Cumulative`]: running totals of a per-node degree, kept only at block
//!   boundaries so memory stays under a megabyte for any node count. It turns
//!   "relationship row r" into "start node j, its k-th relationship".

use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Start nodes whose degrees were counted so far by this process: read only
/// to show progress of a long count (no value depends on it).
pub static COUNTED: AtomicU64 = AtomicU64::new(0);

/// Contiguous child ranges per parent: parent `p` owns `starts[p]..starts[p+1]`.
#[derive(Clone, Debug)]
pub struct Partition {
    starts: Vec<u64>,
    /// `guide[b]` is the parent of child `b << shift`: planning xlarge looks
    /// up hundreds of millions of parents, and a binary search over every
    /// start cost a third of its time.
    guide: Vec<u32>,
    shift: u32,
}

impl Partition {
    /// Splits `children` over parents weighted by `weight(p)` (each ≥ 1).
    /// The split is exact: the ranges cover `0..children` with no gap.
    pub fn new(parents: u64, children: u64, weight: impl Fn(u64) -> u64) -> Self {
        if parents == 0 {
            return Partition {
                starts: vec![0],
                guide: vec![0],
                shift: 63,
            };
        }
        let mut cum = Vec::with_capacity(crate::cast::index(parents) + 1);
        let mut total: u128 = 0;
        for p in 0..parents {
            cum.push(total);
            total += u128::from(weight(p).max(1));
        }
        let n = u128::from(children);
        let mut starts: Vec<u64> = cum
            .iter()
            .map(|&c| crate::cast::narrow(n * c / total))
            .collect();
        starts.push(children);
        // About one bucket per parent, a power of two wide.
        let width = (children / parents).max(1).next_power_of_two();
        let shift = width.trailing_zeros();
        let buckets = (children >> shift) + 1;
        let mut guide = Vec::with_capacity(crate::cast::index(buckets));
        let mut p = 0usize;
        for b in 0..buckets {
            let c = b << shift;
            while p + 2 < starts.len() && starts[p + 1] <= c {
                p += 1;
            }
            guide.push(u32::try_from(p).unwrap_or(u32::MAX));
        }
        Partition {
            starts,
            guide,
            shift,
        }
    }

    /// The number of parents.
    pub fn parents(&self) -> u64 {
        self.starts.len() as u64 - 1
    }

    /// The parent of child `c` (`c < children`, at least one parent).
    #[inline]
    pub fn parent_of(&self, c: u64) -> u64 {
        let b = crate::cast::index(c >> self.shift);
        // The bucket's first parent, and the next bucket's, bound the search.
        let lo = self.guide.get(b).map_or(0, |&p| p as usize);
        let hi = self
            .guide
            .get(b + 1)
            .map_or(self.starts.len() - 1, |&p| p as usize + 1)
            .min(self.starts.len() - 1);
        let within = &self.starts[lo + 1..=hi];
        (lo + within.partition_point(|&s| s <= c)) as u64
    }

    /// The children of parent `p`.
    #[inline]
    pub fn children_of(&self, p: u64) -> std::ops::Range<u64> {
        self.starts[crate::cast::index(p)]..self.starts[crate::cast::index(p) + 1]
    }
}

/// A parent-shaped family's split of its children over its parents: a
/// skew-sized [`Partition`] table, or an even split by arithmetic alone
/// (O(1) memory, for parent kinds too many to hold a table of).
#[derive(Clone, Debug)]
pub enum Split {
    /// Contiguous, skew-sized ranges held in a table.
    Table(Partition),
    /// Parent `p` owns `floor(p * children / parents)..` up to the next one.
    Even {
        /// The number of parents.
        parents: u64,
        /// The number of children.
        children: u64,
    },
}

impl Split {
    /// The parent of child `c` (`c < children`, at least one parent).
    #[inline]
    pub fn parent_of(&self, c: u64) -> u64 {
        match self {
            Split::Table(t) => t.parent_of(c),
            // The largest p with floor(p * children / parents) <= c.
            &Split::Even { parents, children } => crate::cast::narrow(
                ((u128::from(c) + 1) * u128::from(parents) - 1) / u128::from(children),
            ),
        }
    }

    /// The children of parent `p`.
    #[inline]
    pub fn children_of(&self, p: u64) -> std::ops::Range<u64> {
        match self {
            Split::Table(t) => t.children_of(p),
            &Split::Even { parents, children } => {
                let at = |p: u64| {
                    crate::cast::narrow(u128::from(p) * u128::from(children) / u128::from(parents))
                };
                at(p)..at(p + 1)
            }
        }
    }
}

/// The most block totals a [`Cumulative`] keeps.
const MAX_BLOCKS: u64 = 1 << 16;

/// Running totals of `degree(j)` for `j in 0..n`, at block boundaries.
#[derive(Clone, Debug)]
pub struct Cumulative {
    n: u64,
    block: u64,
    /// `cum[b]` = sum of degrees of nodes `< b * block`; one extra at the end.
    cum: Vec<u64>,
}

impl Cumulative {
    /// Computes the totals, in parallel over blocks.
    pub fn new(n: u64, degree: impl Fn(u64) -> u64 + Sync) -> Self {
        let [c] = Cumulative::many(n, |j, acc: &mut [u64; 1]| acc[0] += degree(j));
        c
    }

    /// Computes `K` families' totals over the same start nodes in one pass:
    /// `add(j, acc)` adds node `j`'s degree in family `k` to `acc[k]` (a
    /// one-of choice adds 1 to one slot, with no array of zeroes to sum).
    pub fn many<const K: usize>(n: u64, add: impl Fn(u64, &mut [u64; K]) + Sync) -> [Self; K] {
        let block = n.div_ceil(MAX_BLOCKS).next_power_of_two().max(64);
        let blocks = n.div_ceil(block);
        let sums: Vec<[u64; K]> = (0..blocks)
            .into_par_iter()
            .map(|b| {
                let lo = b * block;
                let hi = (lo + block).min(n);
                let mut acc = [0u64; K];
                for j in lo..hi {
                    add(j, &mut acc);
                }
                COUNTED.fetch_add(hi - lo, Ordering::Relaxed);
                acc
            })
            .collect();
        std::array::from_fn(|k| {
            let mut cum = Vec::with_capacity(sums.len() + 1);
            let mut acc = 0u64;
            cum.push(0);
            for s in &sums {
                acc += s[k];
                cum.push(acc);
            }
            Cumulative { n, block, cum }
        })
    }

    /// Computes the totals from the sum of the degrees over a range of
    /// nodes, `count(lo..hi)`, once per block: for families whose degrees
    /// follow from contiguous ranges, so no node is visited.
    pub fn from_counts(n: u64, count: impl Fn(std::ops::Range<u64>) -> u64 + Sync) -> Self {
        let block = n.div_ceil(MAX_BLOCKS).next_power_of_two().max(64);
        let blocks = n.div_ceil(block);
        let sums: Vec<u64> = (0..blocks)
            .into_par_iter()
            .map(|b| count(b * block..((b + 1) * block).min(n)))
            .collect();
        let mut cum = Vec::with_capacity(sums.len() + 1);
        let mut acc = 0u64;
        cum.push(0);
        for s in sums {
            acc += s;
            cum.push(acc);
        }
        Cumulative { n, block, cum }
    }

    /// The sum of all degrees: the family's row count.
    pub fn total(&self) -> u64 {
        *self.cum.last().unwrap_or(&0)
    }

    /// The start node owning row `r` and the row's offset within that node's
    /// relationships (`r < total`).
    pub fn locate(&self, r: u64, degree: impl Fn(u64) -> u64) -> (u64, u64) {
        debug_assert!(r < self.total());
        // Last block whose starting total is <= r.
        let b = self.cum.partition_point(|&c| c <= r) - 1;
        let mut acc = self.cum[b];
        let mut j = b as u64 * self.block;
        while j < self.n {
            let d = degree(j);
            if r < acc + d {
                return (j, r - acc);
            }
            acc += d;
            j += 1;
        }
        unreachable!("row {r} beyond the cumulative total {}", self.total())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn partition_covers_children_exactly(parents in 1u64..200, children in 0u64..5000, key in any::<u64>()) {
            let part = Partition::new(parents, children, |p| 1 + (crate::rng::mix(key ^ p) % 1000));
            let mut next = 0;
            for p in 0..parents {
                let r = part.children_of(p);
                prop_assert_eq!(r.start, next);
                for c in r.clone() {
                    prop_assert_eq!(part.parent_of(c), p);
                }
                next = r.end;
            }
            prop_assert_eq!(next, children);
        }

        #[test]
        fn guided_parent_matches_a_binary_search(parents in 1u64..300, children in 0u64..3000, key in any::<u64>()) {
            // Weights over six orders of magnitude: buckets then hold many
            // small parents, or one parent spans many buckets.
            let part = Partition::new(parents, children, |p| 1 << (crate::rng::mix(key ^ p) % 20));
            for c in 0..children {
                let searched = (part.starts.partition_point(|&s| s <= c) - 1) as u64;
                prop_assert_eq!(part.parent_of(c), searched);
            }
        }

        #[test]
        fn even_split_covers_children_exactly(parents in 1u64..200, children in 0u64..5000) {
            let split = Split::Even { parents, children };
            let mut next = 0;
            for p in 0..parents {
                let r = split.children_of(p);
                prop_assert_eq!(r.start, next);
                for c in r.clone() {
                    prop_assert_eq!(split.parent_of(c), p);
                }
                next = r.end;
            }
            prop_assert_eq!(next, children);
        }

        #[test]
        fn one_pass_totals_match_separate_passes(n in 0u64..20_000, key in any::<u64>()) {
            // A one-of choice per node (slot 3 means none), as the event
            // families count it.
            let slot = |j: u64| (crate::rng::mix(key ^ j) % 4) as usize;
            let many = Cumulative::many(n, |j, acc: &mut [u64; 3]| {
                if let Some(a) = acc.get_mut(slot(j)) {
                    *a += 1;
                }
            });
            for (k, c) in many.iter().enumerate() {
                let single = Cumulative::new(n, |j| u64::from(slot(j) == k));
                prop_assert_eq!(&c.cum, &single.cum);
                prop_assert_eq!(c.block, single.block);
                prop_assert_eq!(c.total(), (0..n).filter(|&j| slot(j) == k).count() as u64);
            }
        }

        #[test]
        fn cumulative_locates_every_row(n in 0u64..20_000, key in any::<u64>()) {
            let deg = |j: u64| crate::rng::mix(key ^ j) % 4;
            let cum = Cumulative::new(n, deg);
            let expected: u64 = (0..n).map(deg).sum();
            prop_assert_eq!(cum.total(), expected);
            // Walk every row in order and compare with locate.
            let mut r = 0;
            for j in 0..n {
                for k in 0..deg(j) {
                    if r % 7 == 0 {
                        prop_assert_eq!(cum.locate(r, deg), (j, k));
                    }
                    r += 1;
                }
            }
        }
    }
}
