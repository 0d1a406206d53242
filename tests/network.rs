//! Network kinds end to end: a generated `medium` bundle with interfaces,
//! addresses and subnets validates, and (DuckDB) every address is inside its
//! subnet's CIDR block and unique, MACs are unique, an address's subnet is
//! in its server's data centre, and devices connect to interfaces of their
//! own data centre.

use crate::util;

#[test]
fn medium_with_network_validates() {
    let rows = util::validated_rows("medium");
    let (nics, addrs, subnets) = (rows("NetworkInterface"), rows("IPAddress"), rows("Subnet"));
    assert!(nics > 1000 && addrs > 1000 && subnets >= rows("DataCenter"));
    assert_eq!(rows("Server-HAS_INTERFACE-NetworkInterface"), nics);
    assert_eq!(rows("NetworkInterface-HAS_IP-IPAddress"), addrs);
    assert_eq!(rows("IPAddress-IN_SUBNET-Subnet"), addrs);
    // A subnet is in its site: a data centre, or a cloud server's zone.
    assert_eq!(
        rows("Subnet-LOCATED_IN-DataCenter") + rows("Subnet-LOCATED_IN-AvailabilityZone"),
        subnets
    );
    assert!(rows("NetworkDevice-CONNECTS_TO-NetworkInterface") > 100);
}

/// Checks the network invariants in DuckDB; prints the counts of
/// addresses, and of violations (0 each).
const NETWORK: &str = r#"
import duckdb, glob, sys
d = sys.argv[1]
def files(t):
    return sorted(glob.glob(f"{d}/{t}/part-*.csv"))
def rel(name):
    return f"read_csv({files('relationships/' + name)!r}, header=false, columns={{'s':'VARCHAR','e':'VARCHAR','src':'VARCHAR'}}, auto_detect=false)"
def nodes(kind):
    head = open(f"{d}/nodes/{kind}/header.csv").read().strip().split(",")
    cols = {h.split(":")[0] or f"c{i}": "VARCHAR" for i, h in enumerate(head)}
    return f"read_csv({files('nodes/' + kind)!r}, header=false, columns={cols!r}, auto_detect=false)"
con = duckdb.connect()
con.sql(f"create view ip as select * from {nodes('IPAddress')}")
con.sql(f"create view sn as select * from {nodes('Subnet')}")
con.sql(f"create view nic as select * from {nodes('NetworkInterface')}")
# IPv4 as an integer; IPv6 compared by its /64 prefix text.
con.sql("""create macro v4(a) as (split_part(a,'.',1)::bigint<<24) + (split_part(a,'.',2)::bigint<<16)
  + (split_part(a,'.',3)::bigint<<8) + split_part(a,'.',4)::bigint""")
n = con.sql("select count(*) from ip").fetchall()[0][0]
outside = con.sql(f"""select count(*) from {rel('IPAddress-IN_SUBNET-Subnet')} r
  join ip on r.s = ip.id join sn on r.e = sn.id
  where ip.ip_version = '4' and (v4(ip.address) >> (32 - sn.prefix_length::int))
     <> (v4(split_part(sn.cidr,'/',1)) >> (32 - sn.prefix_length::int))""").fetchall()[0][0]
outside6 = con.sql(f"""select count(*) from {rel('IPAddress-IN_SUBNET-Subnet')} r
  join ip on r.s = ip.id join sn on r.e = sn.id
  where ip.ip_version = '6' and not starts_with(ip.address, rtrim(split_part(sn.cidr,'/',1), ':'))""").fetchall()[0][0]
dup_ip = con.sql("select count(*) - count(distinct address) from ip").fetchall()[0][0]
dup_mac = con.sql("select count(*) - count(distinct mac_address) from nic").fetchall()[0][0]
srv = rel('Server-HOSTED_IN-DataCenter')
wrong_dc = con.sql(f"""select count(*) from {rel('IPAddress-IN_SUBNET-Subnet')} r
  join {rel('NetworkInterface-HAS_IP-IPAddress')} h on h.e = r.s
  join {rel('Server-HAS_INTERFACE-NetworkInterface')} i on i.e = h.s
  join {srv} s on s.s = i.s
  join {rel('Subnet-LOCATED_IN-DataCenter')} l on l.s = r.e
  where s.e <> l.e""").fetchall()[0][0]
links = con.sql(f"""select count(*), count(*) filter (where s.e <> n.e)
  from {rel('NetworkDevice-CONNECTS_TO-NetworkInterface')} c
  join {rel('NetworkDevice-HOSTED_IN-DataCenter')} n on n.s = c.s
  join {rel('Server-HAS_INTERFACE-NetworkInterface')} i on i.e = c.e
  join {srv} s on s.s = i.s""").fetchall()[0]
print(n, outside, outside6, dup_ip, dup_mac, wrong_dc, links[0], links[1])
"#;

#[test]
#[ignore = "needs DuckDB: scripts/test.sh"]
fn addresses_lie_in_their_subnets_and_are_unique_in_duckdb() {
    let (out, n) = util::duckdb_counts("medium", NETWORK);
    assert!(n[0] > 1000 && n[6] > 100, "{out}");
    assert_eq!(
        (n[1], n[2], n[3], n[4], n[5], n[7]),
        (0, 0, 0, 0, 0, 0),
        "outside v4, outside v6, repeated addresses, repeated MACs, subnets outside the server's data centre, links outside the device's: {out}"
    );
}
