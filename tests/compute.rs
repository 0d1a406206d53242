//! Compute end to end: a generated `medium` bundle with cloud and virtual
//! servers validates, and (DuckDB) the server layout holds on the files:
//! cloud servers in zones only, on-premises ones in one data centre each,
//! virtual servers on a hypervisor of their own data centre that fits them,
//! zones named after their region.

use crate::util;

#[test]
fn medium_with_cloud_and_virtual_servers_validates() {
    let rows = util::validated_rows("medium");
    let servers = rows("Server");
    let cloud = rows("Server-HOSTED_IN-AvailabilityZone");
    assert_eq!(cloud, servers / 5, "the default cloud share");
    assert_eq!(rows("Server-HOSTED_IN-DataCenter") + cloud, servers);
    assert_eq!(rows("Server-BELONGS_TO-CloudAccount"), cloud);
    assert_eq!(
        rows("AvailabilityZone-LOCATED_IN-Region"),
        rows("AvailabilityZone")
    );
    let vms = rows("Server-VIRTUALIZED_BY-Server");
    assert!(vms > servers * 2 / 5 && vms < servers / 2, "{vms}");
}

/// Counts, in DuckDB, the breaches of the server layout's invariants; every
/// number printed after the first two must be 0.
const LAYOUT: &str = r#"
import duckdb, glob, sys
d = sys.argv[1]
def csv(path, names):
    files = sorted(glob.glob(f"{d}/{path}/part-*.csv"))
    cols = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
    return f"read_csv({files!r}, header=false, columns={{{cols}}})"
def rel(name):
    return csv(f"relationships/{name}", ["s", "e", "src"])
def header(kind):
    with open(f"{d}/nodes/{kind}/header.csv") as f:
        return [c.split(":")[0] or c for c in f.read().strip().split(",")]
srv = csv("nodes/Server", header("Server"))
zone = csv("nodes/AvailabilityZone", header("AvailabilityZone"))
region = csv("nodes/Region", header("Region"))
acct = csv("nodes/CloudAccount", header("CloudAccount"))
in_dc, in_zone = rel("Server-HOSTED_IN-DataCenter"), rel("Server-HOSTED_IN-AvailabilityZone")
vm, belongs = rel("Server-VIRTUALIZED_BY-Server"), rel("Server-BELONGS_TO-CloudAccount")
q = lambda s: duckdb.sql(s).fetchall()[0][0]
print(q(f"select count(*) from {vm}"), q(f"select count(*) from {in_zone}"))
# Every server in exactly one place; cloud servers exactly the zone-hosted ones.
print(q(f"""select count(*) from {srv} s
  left join (select s, count(*) n from (select s from {in_dc} union all select s from {in_zone}) group by s) p
  on s.id = p.s where coalesce(p.n, 0) <> 1"""))
print(q(f"""select count(*) from {srv} s left join {in_zone} z on s.id = z.s
  where (s.server_type = 'cloud') <> (z.s is not null)"""))
# A VM's host: physical, a Hypervisor, in the VM's data centre.
print(q(f"""select count(*) from {vm} v join {srv} h on v.e = h.id
  join {in_dc} a on v.s = a.s left join {in_dc} b on v.e = b.s
  where h.server_type <> 'physical' or h.":LABEL" not like '%;Hypervisor'
     or b.e is null or a.e <> b.e"""))
# Every virtual server has a host; guests' sizes sum within the host's.
print(q(f"""select count(*) from {srv} s left join {vm} v on s.id = v.s
  where s.server_type = 'virtual' and v.e is null"""))
# Sizes are doubles with two digits: summed exactly as decimals.
print(q(f"""select count(*) from (select v.e, sum(cast(g.cpu_cores as decimal(18,2))) c,
  sum(cast(g.memory_gb as decimal(18,2))) m from {vm} v join {srv} g on v.s = g.id group by v.e) t
  join {srv} h on t.e = h.id
  where cast(h.cpu_cores as decimal(18,2)) < t.c or cast(h.memory_gb as decimal(18,2)) < t.m"""))
# Containers have a pod's fractional limits; the other servers whole cores.
print(q(f"""select count(*) from {srv} s where s.server_type <> 'container'
  and cast(s.cpu_cores as decimal(18,2)) <> round(cast(s.cpu_cores as decimal(18,2)))"""))
print(q(f"""select count(*) from {srv} s where s.server_type = 'container'
  and cast(s.cpu_cores as decimal(18,2)) not in (0.25, 0.5, 1, 2, 4)"""))
print(q(f"""select (count(*) = 0)::int from {srv} s where s.server_type = 'container'
  and cast(s.cpu_cores as decimal(18,2)) < 1"""))
# A zone is named after its region's code; a server's account and zone agree.
zr = rel("AvailabilityZone-LOCATED_IN-Region")
print(q(f"""select count(*) from {zr} l join {zone} z on l.s = z.id join {region} r on l.e = r.id
  where not regexp_matches(z.name, '^' || r.code || '-[0-9]+[a-z]$')"""))
print(q(f"""select count(*) from {belongs} b join {in_zone} z on b.s = z.s
  join {acct} a on b.e = a.id join {zone} zz on z.e = zz.id where a.provider <> zz.provider"""))
"#;

#[test]
#[ignore = "needs DuckDB: scripts/test.sh"]
fn the_server_layout_holds_in_duckdb() {
    let (out, n) = util::duckdb_counts("medium", LAYOUT);
    assert!(n[0] > 1000 && n[1] > 500, "{out}");
    assert!(n[2..].iter().all(|&x| x == 0), "layout breaches: {out}");
}

/// A profile whose events all affect servers, a third of them hypervisor
/// hosts: enough storms on hosts to see them spread.
const HOST_STORMS: &str = "[nodes]\nRegion = 2\nDataCenter = 3\nServer = 600\nEvent = 200000\n\
    [compute]\ncloud = 0.0\nphysical = 0.3\ncontainer = 0.0\nhypervisors = 1.0\n\
    [events]\naffects_skew = 1.0\n[events.affects]\nServer = 1\n";

/// In DuckDB: the blocks of 64 events where one hypervisor host takes at
/// least 16 (its storms), and how many other events of those blocks hit
/// its own guests.
const SPREAD: &str = r#"
import duckdb, glob, sys
d = sys.argv[1]
def rel(name):
    files = sorted(glob.glob(f"{d}/relationships/{name}/part-*.csv"))
    return f"read_csv({files!r}, header=false, columns={{'s': 'VARCHAR', 'e': 'VARCHAR', 'src': 'VARCHAR'}})"
hits, vm = rel("Event-AFFECTS-Server"), rel("Server-VIRTUALIZED_BY-Server")
duckdb.sql(f"""create table a as select cast(regexp_extract(s, '[0-9]+$') as bigint) // 64 b, e
  from {hits}""")
duckdb.sql(f"""create table storm as select a.b, a.e host from a join (select distinct e from {vm}) h
  on a.e = h.e group by a.b, a.e having count(*) >= 16""")
q = lambda s: duckdb.sql(s).fetchall()[0][0]
print(q("select count(*) from storm"))
print(q(f"select count(*) from storm s join a on a.b = s.b join {vm} v on v.s = a.e and v.e = s.host"))
"#;

#[test]
#[ignore = "needs DuckDB: scripts/test.sh"]
fn a_hypervisor_storm_hits_its_guests_in_duckdb() {
    let t = tempfile::tempdir().expect("a temp dir");
    let p = t.path().join("host-storms.toml");
    std::fs::write(&p, HOST_STORMS).expect("writing the profile");
    let (out, n) = util::duckdb_counts(p.to_str().expect("utf-8 temp path"), SPREAD);
    assert!(n[0] >= 4, "host storms: {out}");
    // Half of a storm's events go to guests when the host has any.
    assert!(n[1] > n[0] * 8, "guest events in host storms: {out}");
}
