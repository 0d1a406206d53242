//! Kinds that come and go with their owner ([`Churn::Owned`]): a server's
//! interfaces and their addresses. Everything is indexed by the *root*
//! owner (the first owner up the `Owns` families whose churn is its own):
//!
//! * a node the day adds to the root brings one node of each owned kind,
//!   at the root's position `p`, so an owned node's index is
//!   `base + (day-1)·new + p` like every new node's; it exists only when
//!   the world can place it (an address needs an IPv6 subnet in its server's
//!   site), so an owned table's rows skip the positions that are not placed;
//! * a root the day decommissions takes its owned nodes (contiguous ranges:
//!   `Owns` splits are even) with it;
//! * an owned base node is in the decommission pool when its root is, so no
//!   new relationship reaches a node a later day deletes.

use super::{ChangeSet, Rule};
use crate::gen::index::Cumulative;
use crate::gen::Value;
use crate::model::{Churn, NodeKind, RelKind};
use std::ops::Range;

/// The `Owns` families from kind `k`'s root owner down to `k` (empty when
/// `k` does not come with an owner).
fn chain(k: NodeKind) -> Vec<RelKind> {
    let mut out = Vec::new();
    let mut c = k;
    while c.churn() == Churn::Owned {
        let Some(r) = c.owner_family() else { break };
        out.push(r);
        c = r.spec().start;
    }
    out.reverse();
    out
}

/// The root owner kind of `k` (`k` itself when it has none).
pub(super) fn root_kind(k: NodeKind) -> NodeKind {
    chain(k).first().map_or(k, |r| r.spec().start)
}

/// A day's plan of one kind that comes with its owner.
#[derive(Clone, Debug)]
pub(super) struct OwnedPlan {
    /// The owner families from the root's down to the kind's.
    chain: Vec<RelKind>,
    /// Running totals of the placed nodes over the root's new positions.
    placed: Cumulative,
    /// Running totals of the owned nodes over the root's deletions.
    deleted: Cumulative,
}

impl OwnedPlan {
    /// The plan of kind `k` (`None` unless it comes with an owner).
    pub(super) fn new(cs: &ChangeSet<'_>, k: NodeKind) -> Option<OwnedPlan> {
        if k.churn() != Churn::Owned {
            return None;
        }
        let chain = chain(k);
        let root = root_kind(k);
        let placed = Cumulative::new(cs.plan(k).new, |p| u64::from(cs.placed(k, p)));
        let deleted = Cumulative::new(cs.plan(root).deletes, |j| {
            let r = owned_range(cs, &chain, cs.deleted_index(root, j));
            r.end - r.start
        });
        Some(OwnedPlan {
            chain,
            placed,
            deleted,
        })
    }

    /// The day's new nodes.
    pub(super) fn new_rows(&self) -> u64 {
        self.placed.total()
    }

    /// The day's deleted nodes.
    pub(super) fn deleted_rows(&self) -> u64 {
        self.deleted.total()
    }
}

/// The nodes of the last kind of `chain` owned by root node `root`.
fn owned_range(cs: &ChangeSet<'_>, chain: &[RelKind], root: u64) -> Range<u64> {
    chain.iter().fold(root..root + 1, |r, &f| {
        cs.world.owned_from(f, r.start)..cs.world.owned_from(f, r.end)
    })
}

impl ChangeSet<'_> {
    /// The plan of kind `k` when it comes with its owner.
    pub(super) fn owned_plan(&self, k: NodeKind) -> Option<&OwnedPlan> {
        self.owned.get(k.index()).and_then(Option::as_ref)
    }

    /// The root position of row `i` of today's new nodes of kind `k` (`i`
    /// itself unless the kind comes with its owner).
    pub(super) fn new_position(&self, k: NodeKind, i: u64) -> u64 {
        match self.owned_plan(k) {
            // Every position placed (always for interfaces): no look-up.
            Some(o) if o.placed.total() < self.plan(k).new => {
                o.placed.locate(i, |p| u64::from(self.placed(k, p))).0
            }
            _ => i,
        }
    }

    /// For base node `n` of a kind that comes with its owner: its root
    /// owner's kind and index.
    pub(super) fn root_of(&self, k: NodeKind, n: u64) -> Option<(NodeKind, u64)> {
        if k.churn() != Churn::Owned || n >= self.world.count(k) {
            return None;
        }
        let mut at = (k, n);
        while at.0.churn() == Churn::Owned {
            let r = at.0.owner_family()?;
            at = (r.spec().start, self.world.owner(r, at.1));
        }
        Some(at)
    }

    /// Whether node `n` of a kind that comes with its owner exists on the
    /// day: a base node whose root stays, or one placed today.
    pub(super) fn owned_exists(&self, k: NodeKind, n: u64) -> bool {
        if let Some((root, m)) = self.root_of(k, n) {
            return !self.in_pool(root, m);
        }
        let first = self.new_index(k, 0);
        n >= first && n - first < self.plan(k).new && self.placed(k, n - first)
    }

    /// The node deleted by row `i` of today's deletions of a kind that
    /// comes with its owner.
    pub(super) fn owned_deleted_index(&self, k: NodeKind, i: u64) -> u64 {
        let Some(o) = self.owned_plan(k) else {
            return 0;
        };
        let root = root_kind(k);
        let range = |j| owned_range(self, &o.chain, self.deleted_index(root, j));
        let (j, off) = o.deleted.locate(i, |j| {
            let r = range(j);
            r.end - r.start
        });
        range(j).start + off
    }

    /// Whether the node of kind `k` at root position `p` is placed: its
    /// owner is, and it has an end in each of its [`Rule::Placed`] families.
    pub(super) fn placed(&self, k: NodeKind, p: u64) -> bool {
        let Some(r) = k.owner_family() else {
            return true;
        };
        let owner = r.spec().start;
        (owner.churn() != Churn::Owned || self.placed(owner, p))
            && RelKind::ALL
                .into_iter()
                .filter(|f| f.spec().start == k && self.rules[f.index()] == Rule::Placed)
                .all(|f| self.place(f, p).is_some())
    }

    /// The end in [`Rule::Placed`] family `r` of the node at root position
    /// `p`, when the node is placed.
    pub(super) fn placed_end(&self, r: RelKind, p: u64) -> Option<u64> {
        self.placed(r.spec().start, p)
            .then(|| self.place(r, p))
            .flatten()
    }

    /// Where the world places the end in family `r` of a node at root
    /// position `p`: from the root's twin.
    fn place(&self, r: RelKind, p: u64) -> Option<u64> {
        let twin = self.twin(root_kind(r.spec().start), p)?;
        self.world.new_owned_end(r, twin)
    }

    /// A new address's value, and its server's `ip`: the address placed at
    /// root position `p` (an empty `ip` when there is none). Columns
    /// `from..` of `out` are a new node row of kind `k`.
    pub(super) fn place_addresses<'w>(
        &self,
        k: NodeKind,
        p: u64,
        from: usize,
        out: &mut [Value<'w>],
    ) {
        let addr = NodeKind::IPAddress;
        if self.world.count(addr) == 0 {
            return;
        }
        let column = if k == addr {
            "address"
        } else if k == root_kind(addr) {
            "ip"
        } else {
            return;
        };
        let Some(c) = k
            .columns(self.world.provenance())
            .iter()
            .position(|c| c.name == column)
        else {
            return;
        };
        let value = self
            .placed_end(RelKind::IpAddressInSubnet, p)
            .map(|t| self.world.new_address_value(t, self.new_index(addr, p)));
        out[from + c] = value.unwrap_or(Value::Null);
    }
}
