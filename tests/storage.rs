//! Storage end to end: a generated `medium` bundle with its arrays and
//! volumes validates, and (DuckDB) every user of a volume is in the
//! volume's array's data centre and each array's volumes fit in it.

use crate::util;

#[test]
fn medium_with_storage_validates() {
    let rows = util::validated_rows("medium");
    assert_eq!(rows("StorageArray"), 30);
    assert_eq!(rows("StorageVolume"), 355);
    assert_eq!(rows("StorageArray-HOSTED_IN-DataCenter"), 30);
    assert_eq!(rows("StorageVolume-HOSTED_ON-StorageArray"), 355);
    assert!(rows("Server-USES_STORAGE-StorageVolume") > 1000);
    assert!(rows("Database-USES_STORAGE-StorageVolume") > 400);
}

/// Counts, in DuckDB: storage users, those outside their volume's data
/// centre, arrays, and arrays whose volumes exceed their capacity.
const STORAGE: &str = r#"
srv, arr, vol = rel("Server-HOSTED_IN-DataCenter"), rel("StorageArray-HOSTED_IN-DataCenter"), rel("StorageVolume-HOSTED_ON-StorageArray")
vdc = f"(select v.s, a.e as dc from {vol} v join {arr} a on v.e = a.s)"
host = f"(select s, min(e) as e from {rel('Database-RUNS_ON-Server')} group by s)"
users = duckdb.sql(f"""select count(*), count(*) filter (where s.e <> v.dc) from (
  select u.s as srv, u.e from {rel('Server-USES_STORAGE-StorageVolume')} u
  union all select h.e, u.e from {rel('Database-USES_STORAGE-StorageVolume')} u join {host} h on u.s = h.s
) u join {srv} s on u.srv = s.s join {vdc} v on u.e = v.s""").fetchall()[0]
arrays, an = node("StorageArray")
vols, vn = node("StorageVolume")
fit = duckdb.sql(f"""select count(*), count(*) filter (where used > cap) from (
  select a.c{an['id']} as id, cast(a.c{an['capacity_gb']} as bigint) as cap,
         coalesce(sum(cast(v.c{vn['size_gb']} as bigint)), 0) as used
  from {arrays} a left join {vol} h on h.e = a.c{an['id']} left join {vols} v on v.c{vn['id']} = h.s
  group by 1, 2)""").fetchall()[0]
print(users[0], users[1], fit[0], fit[1])
"#;

#[test]
#[ignore = "needs DuckDB: scripts/test.sh"]
fn storage_users_share_their_volumes_data_centre_in_duckdb() {
    let (out, n) = util::duckdb_counts("medium", STORAGE);
    assert!(n[0] > 1500 && n[2] == 30, "{out}");
    assert_eq!(
        (n[1], n[3]),
        (0, 0),
        "users outside their volume's data centre, or arrays over capacity: {out}"
    );
}
