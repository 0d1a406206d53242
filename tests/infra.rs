//! Infrastructure kinds end to end: a generated `medium` bundle with its
//! clusters validates, and (DuckDB) every cluster member shares its
//! cluster's data centre.

use crate::util;

#[test]
fn medium_with_clusters_validates() {
    let rows = util::validated_rows("medium");
    assert_eq!(rows("Cluster"), 145);
    assert_eq!(rows("Cluster-HOSTED_IN-DataCenter"), 145);
    assert!(rows("Server-MEMBER_OF-Cluster") > 500);
    assert!(rows("Database-MEMBER_OF-Cluster") > 50);
}

/// Counts, in DuckDB, the members whose data centre is not their cluster's.
const SAME_DC: &str = r#"
srv, cls, db = rel("Server-HOSTED_IN-DataCenter"), rel("Cluster-HOSTED_IN-DataCenter"), rel("Database-RUNS_ON-Server")
servers = duckdb.sql(f"""select count(*), count(*) filter (where s.e <> c.e)
  from {rel('Server-MEMBER_OF-Cluster')} m join {srv} s on m.s = s.s join {cls} c on m.e = c.s""").fetchall()[0]
dbs = duckdb.sql(f"""select count(*), count(*) filter (where s.e <> c.e)
  from {rel('Database-MEMBER_OF-Cluster')} m
  join (select s, min(e) as e from {db} group by s) r on m.s = r.s
  join {srv} s on r.e = s.s join {cls} c on m.e = c.s""").fetchall()[0]
print(servers[0], servers[1], dbs[0], dbs[1])
"#;

#[test]
#[ignore = "needs DuckDB: scripts/test.sh"]
fn cluster_members_share_their_clusters_data_centre_in_duckdb() {
    let (out, n) = util::duckdb_counts("medium", SAME_DC);
    assert!(n[0] > 500 && n[2] > 50, "{out}");
    assert_eq!(
        (n[1], n[3]),
        (0, 0),
        "members outside their cluster's data centre: {out}"
    );
}
