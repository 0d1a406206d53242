//! Infrastructure kinds: clusters and their members. Every end is computed
//! from the start's position (its data centre's range, its cluster's range),
//! never looked up, so each row stays a pure function of (seed, kind, i).

use super::pools::pool;
use super::{Value, World};
use crate::model::{self, NodeKind, RelKind};
use crate::rng::{self, Draws};

pool!(
    /// What a cluster clusters: hypervisor hosts, containers, failover pairs.
    pub(super) static CLUSTER_TYPE,
    [
        ("vsphere-ha", 30),
        ("kubernetes", 30),
        ("windows-failover", 12),
        ("pacemaker", 10),
        ("oracle-rac", 10),
        ("hadoop", 8),
    ]
);

/// The share `p` (0..=1) as a threshold on a 32-bit draw.
#[inline]
fn below_share(h: u64, p: f64) -> bool {
    // 2^32 * p is exact enough for a share and fits in u64.
    let cut = crate::cast::whole(p * 4_294_967_296.0);
    (h >> 32) < cut
}

/// The head of cluster `i`: its type, which names it (`kubernetes-42`).
#[inline]
pub(super) fn cluster_head(i: u64, d: &mut Draws) -> (Value<'static>, &'static str) {
    let kind = CLUSTER_TYPE.pick(d.next());
    let name = Value::Name {
        a: kind,
        b: "",
        sep: "-",
        n: i,
    };
    (name, kind)
}

impl World {
    /// Row `i` of `Cluster`.
    pub(super) fn cluster<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let h = self.head(NodeKind::Cluster, i, d);
        self.ci_common(NodeKind::Cluster, i, model::CLUSTER_LABELS[0], &h, d, out);
        out.push(Value::Str(h.word));
        out.push(Value::Bool(d.below(10) < 8));
    }

    /// A cluster of data centre `dc` for a 64-bit draw, if it has any.
    #[inline]
    fn cluster_in(&self, dc: u64, h: u64) -> Option<u64> {
        let range = self.children(RelKind::ClusterHostedInDataCenter, dc);
        (!range.is_empty()).then(|| range.start + rng::below(h, range.end - range.start))
    }

    /// The cluster server `j` is a member of: drawn with the profile's
    /// share, among the clusters of the server's own data centre.
    #[inline]
    pub(super) fn server_cluster(&self, j: u64) -> Option<u64> {
        let mut d = self.target_streams[RelKind::ServerMemberOfCluster.index()].draws(j);
        if !below_share(d.next(), self.profile.clusters.servers)
            || self.count(NodeKind::Cluster) == 0
        {
            return None;
        }
        // Cloud instances are in no data centre, so in no cluster.
        let dc = self.server_dc(j)?;
        self.cluster_in(dc, d.next())
    }

    /// The `Server-MEMBER_OF` rows starting at servers `rows`: a server
    /// drawn into a cluster has one when its data centre has clusters.
    pub(super) fn cluster_rows(&self, rows: std::ops::Range<u64>) -> u64 {
        if self.count(NodeKind::Cluster) == 0 {
            return 0;
        }
        let stream = self.target_streams[RelKind::ServerMemberOfCluster.index()];
        let share = self.profile.clusters.servers;
        self.sum_by_dc(rows, |dc, part| match dc {
            Some(dc)
                if !self
                    .children(RelKind::ClusterHostedInDataCenter, dc)
                    .is_empty() =>
            {
                part.filter(|&j| below_share(stream.draws(j).next(), share))
                    .count() as u64
            }
            _ => 0,
        })
    }

    /// The cluster database `j` is a member of: drawn with the profile's
    /// share, among the clusters of the data centre of the server it runs
    /// on (its first, when it runs on several); none when it runs nowhere
    /// or in the cloud.
    pub(super) fn database_cluster(&self, j: u64) -> Option<u64> {
        self.database_cluster_on(j, || self.first_target(RelKind::DatabaseRunsOnServer, j))
    }

    /// [`World::database_cluster`] given the database's first server,
    /// asked for only when the database is drawn into a cluster.
    pub(super) fn database_cluster_on(
        &self,
        j: u64,
        server: impl FnOnce() -> Option<u64>,
    ) -> Option<u64> {
        let mut d = self.target_streams[RelKind::DatabaseMemberOfCluster.index()].draws(j);
        if !below_share(d.next(), self.profile.clusters.databases)
            || self.count(NodeKind::Cluster) == 0
        {
            return None;
        }
        let dc = self.server_dc(server()?)?;
        self.cluster_in(dc, d.next())
    }
}

#[cfg(test)]
mod tests {
    use crate::gen::pairs;
    use crate::gen::World;
    use crate::model::{NodeKind, RelKind, Table};
    use crate::profile::Profile;

    fn world(text: &str) -> World {
        World::new(&Profile::parse(text, "t").unwrap())
    }

    #[test]
    fn members_are_in_their_clusters_data_centre() {
        let w = World::new(&Profile::load("medium").unwrap());
        let dc_of_cluster = |c| w.parent(RelKind::ClusterHostedInDataCenter, c);
        let servers = pairs(&w, RelKind::ServerMemberOfCluster);
        let n = w.count(NodeKind::Server);
        // The share, less the servers of data centres with no cluster.
        assert!(servers.len() as u64 > n / 5 && (servers.len() as u64) < n * 35 / 100);
        for &(s, c) in &servers {
            assert_eq!(
                w.parent(RelKind::ServerHostedInDataCenter, s),
                dc_of_cluster(c)
            );
        }
        let dbs = pairs(&w, RelKind::DatabaseMemberOfCluster);
        assert!(!dbs.is_empty());
        let mut hosts = Vec::new();
        for &(db, c) in &dbs {
            w.fanout_targets(RelKind::DatabaseRunsOnServer, db, &mut hosts);
            let dc = w.parent(RelKind::ServerHostedInDataCenter, hosts[0]);
            assert_eq!(dc, dc_of_cluster(c));
        }
    }

    #[test]
    fn every_cluster_is_hosted_and_counts_match() {
        let w = World::new(&Profile::load("medium").unwrap());
        let hosted = pairs(&w, RelKind::ClusterHostedInDataCenter);
        assert_eq!(hosted.len() as u64, w.count(NodeKind::Cluster));
        for r in [
            RelKind::ServerMemberOfCluster,
            RelKind::DatabaseMemberOfCluster,
        ] {
            assert_eq!(
                pairs(&w, r).len() as u64,
                w.rows(Table::Rel(r)),
                "{r}: rows match the count"
            );
        }
    }

    #[test]
    fn shares_bound_the_members() {
        let base =
            "[nodes]\nRegion = 1\nDataCenter = 2\nServer = 400\nDatabase = 50\nCluster = 8\n";
        let none = world(&format!(
            "{base}[clusters]\nservers = 0.0\ndatabases = 0.0\n"
        ));
        assert_eq!(none.rows(Table::Rel(RelKind::ServerMemberOfCluster)), 0);
        assert_eq!(none.rows(Table::Rel(RelKind::DatabaseMemberOfCluster)), 0);
        let all = world(&format!(
            "{base}[clusters]\nservers = 1.0\ndatabases = 1.0\n"
        ));
        // With clusters in every data centre, every one is a member.
        let dcs_with = (0..2)
            .filter(|&dc| {
                !all.children(RelKind::ClusterHostedInDataCenter, dc)
                    .is_empty()
            })
            .count();
        if dcs_with == 2 {
            assert_eq!(all.rows(Table::Rel(RelKind::ServerMemberOfCluster)), 400);
            assert_eq!(all.rows(Table::Rel(RelKind::DatabaseMemberOfCluster)), 50);
        }
        // No clusters: no members, whatever the shares.
        let empty = world("[nodes]\nRegion = 1\nDataCenter = 2\nServer = 40\n");
        assert_eq!(empty.rows(Table::Rel(RelKind::ServerMemberOfCluster)), 0);
    }

    #[test]
    fn cluster_keys_are_checked() {
        let e = Profile::parse("[nodes]\nRegion = 1\n[clusters]\nservers = 1.5\n", "t")
            .unwrap_err()
            .0;
        assert!(e.contains("clusters.servers"), "{e}");
        let e = Profile::parse("[clusters]\ndatabases = nan\n", "t")
            .unwrap_err()
            .0;
        assert!(e.contains("clusters.databases"), "{e}");
        let e = Profile::parse("[nodes]\nCluster = 3\n", "t").unwrap_err().0;
        assert!(e.contains("nodes.DataCenter"), "{e}");
    }
}
