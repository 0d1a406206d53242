//! Kubernetes end to end: a generated `medium` bundle with its clusters,
//! namespaces and pods validates, and (DuckDB) every pod runs on a server
//! of its cluster's data centre, reached through its namespace.

use crate::util;

#[test]
fn medium_with_kubernetes_validates() {
    let rows = util::validated_rows("medium");
    assert_eq!(rows("KubernetesCluster"), 5);
    assert_eq!(rows("Namespace"), 135);
    assert_eq!(rows("Pod"), 1350);
    assert_eq!(rows("KubernetesCluster-HOSTED_IN-DataCenter"), 5);
    assert_eq!(rows("Namespace-IN_CLUSTER-KubernetesCluster"), 135);
    assert_eq!(rows("Pod-IN_NAMESPACE-Namespace"), 1350);
    assert_eq!(rows("Pod-RUNS_ON-Server"), 1350);
    assert_eq!(rows("Pod-INSTANCE_OF-Application"), 1350);
    // The applications' servers are still theirs.
    assert!(rows("Application-RUNS_ON-Server") > 1820);
}

/// Counts, in DuckDB: pods on a node, those whose node is outside their
/// cluster's data centre, and namespace names repeated within a cluster.
const KUBERNETES: &str = r#"
srv, k8s = rel("Server-HOSTED_IN-DataCenter"), rel("KubernetesCluster-HOSTED_IN-DataCenter")
pns, nsc = rel("Pod-IN_NAMESPACE-Namespace"), rel("Namespace-IN_CLUSTER-KubernetesCluster")
pods = duckdb.sql(f"""select count(*), count(*) filter (where s.e <> k.e)
  from {rel('Pod-RUNS_ON-Server')} r join {srv} s on r.e = s.s
  join {pns} p on p.s = r.s join {nsc} n on n.s = p.e join {k8s} k on k.s = n.e""").fetchall()[0]
ns, nn = node("Namespace")
twice = duckdb.sql(f"""select count(*) from (select n.e, x.c{nn['namespace']} as short, count(*) as c
  from {ns} x join {nsc} n on n.s = x.c{nn['id']} group by 1, 2) where c > 1""").fetchall()[0]
print(pods[0], pods[1], twice[0])
"#;

#[test]
#[ignore = "needs DuckDB: scripts/test.sh"]
fn pods_run_in_their_clusters_data_centre_in_duckdb() {
    let (out, n) = util::duckdb_counts("medium", KUBERNETES);
    assert_eq!(n[0], 1350, "{out}");
    assert_eq!(
        (n[1], n[2]),
        (0, 0),
        "pods outside their cluster's data centre, or namespace names repeated in a cluster: {out}"
    );
}
