"""Checks that a generated bundle's attributes agree with each other, with
DuckDB over the CSV files (no code shared with the generator).

Usage: attributes.py BUNDLE [--rows-only]. Prints one PASS or FAIL line per
check and exits 1 when any fails. --rows-only leaves out the checks of the
dependency graph's shape (leaves and hubs), which only a profile of some
size meets.
"""

import glob
import os
import sys

import duckdb

con = duckdb.connect()


def load(table, folder):
    """Loads a node or relationship folder (header.csv + part files) as text."""
    header = open(os.path.join(folder, "header.csv"), encoding="utf-8").read().strip()
    names = []
    for i, cell in enumerate(header.split(",")):
        if cell.startswith(":START_ID"):
            names.append("start_id")
        elif cell.startswith(":END_ID"):
            names.append("end_id")
        elif cell.startswith(":"):
            names.append(f"c{i}")
        else:
            names.append(cell.split(":")[0])
    files = sorted(glob.glob(os.path.join(folder, "part-*.csv*")))
    con.execute(
        f"create table {table} as select * from read_csv({files!r}, header = false, "
        f"names = {names!r}, all_varchar = true)"
    )


# The checks of the dependency graph's shape, not of single rows.
SHAPE_CHECKS = [
    "20-40% of applications depend on no other application",
    "an application has at least 100 dependents",
]


def main(bundle, rows_only=False):
    for kind in ["Region", "DataCenter", "Server", "NetworkDevice", "Database",
                 "Application", "BusinessService"]:
        load(kind, os.path.join(bundle, "nodes", kind))
    rels = {
        "located_in": "DataCenter-LOCATED_IN-Region",
        "app_deps": "Application-DEPENDS_ON-Application",
    }
    for table, folder in rels.items():
        load(table, os.path.join(bundle, "relationships", folder))

    env_short = ("case environment when 'production' then 'prd' when 'staging' then 'stg' "
                 "when 'development' then 'dev' when 'test' then 'tst' "
                 "when 'disaster-recovery' then 'dr' end")
    # Each check is a query counting the rows that break it.
    checks = {
        "each device model has one vendor and one device type":
            "select count(*) from (select model from NetworkDevice group by model "
            "having count(distinct vendor) > 1 or count(distinct device_type) > 1)",
        "each device model has one port count":
            "select count(*) from (select model from NetworkDevice group by model "
            "having count(distinct port_count) > 1)",
        "database versions match their engines":
            "select count(*) from Database where engine is not null and not case engine "
            "when 'PostgreSQL' then regexp_matches(engine_version, '^1[3-7]\\.') "
            "when 'MySQL' then regexp_matches(engine_version, '^(5\\.7|8\\.0|8\\.4)\\.') "
            "when 'Oracle Database' then engine_version in ('12c', '19c', '23ai') "
            "when 'Microsoft SQL Server' then engine_version in ('2016', '2017', '2019', '2022') "
            "when 'MongoDB' then regexp_matches(engine_version, '^[5-8]\\.') "
            "when 'Cassandra' then regexp_matches(engine_version, '^(3\\.11|4\\.[0-9]+|5\\.0)$') "
            "when 'Redis' then regexp_matches(engine_version, '^[67]\\.') "
            "when 'Neo4j' then regexp_matches(engine_version, '^(4\\.4|5\\.[0-9]+)$') "
            "else false end",
        "each region name has one geo and one code":
            "select count(*) from (select regexp_replace(name, ' [0-9]+$', '') as base "
            "from Region group by base having count(distinct geo) > 1 "
            "or count(distinct regexp_replace(code, '-[0-9]+$', '')) > 1)",
        "region geos are market areas":
            "select count(*) from Region where geo not in ('AMER', 'EMEA', 'APAC', 'LATAM')",
        "US, EU and Asia Pacific regions are in AMER, EMEA and APAC":
            "select count(*) from Region where (name like 'US %' and geo <> 'AMER') "
            "or (name like 'EU %' and geo <> 'EMEA') "
            "or (name like 'Asia Pacific%' and geo <> 'APAC')",
        "each data-centre city is in one region":
            "select count(*) from (select d.city from DataCenter d "
            "join located_in l on d.id = l.start_id join Region r on r.id = l.end_id "
            "group by d.city having count(distinct regexp_replace(r.name, ' [0-9]+$', '')) > 1)",
        "server names carry their environment":
            f"select count(*) from Server where split_part(name, '-', -2) <> {env_short}",
        "device names carry their environment":
            f"select count(*) from NetworkDevice where split_part(name, '-', -2) <> {env_short}",
        "database names carry their environment":
            f"select count(*) from Database where split_part(name, ' ', -2) <> {env_short}",
        "containers have a pod's limits: 0.25 to 4 cores, at most 16 GB":
            "select count(*) from Server where server_type = 'container' and "
            "(cpu_cores::decimal(18,2) not in (0.25, 0.5, 1, 2, 4) or memory_gb::decimal(18,2) > 16)",
        "servers other than containers have whole cores":
            "select count(*) from Server where server_type <> 'container' and "
            "cpu_cores::decimal(18,2) <> round(cpu_cores::decimal(18,2))",
        "virtual machines are 1-32 cores":
            "select count(*) from Server where server_type = 'virtual' "
            "and cpu_cores::double not between 1 and 32",
        "physical servers are 16-256 cores":
            "select count(*) from Server where server_type = 'physical' "
            "and cpu_cores::double not between 16 and 256",
        "containers and VMs are smaller than the largest physical host":
            "select count(*) from Server where server_type in ('container', 'virtual', 'cloud') "
            "and cpu_cores::double >= (select max(cpu_cores::double) from Server "
            "where server_type = 'physical')",
        "containers run Linux":
            "select count(*) from Server where server_type = 'container' "
            "and (os like 'Windows%' or os like 'VMware%' or os like 'AIX%')",
        "only physical hosts run a hypervisor":
            "select count(*) from Server where os like 'VMware ESXi%' and server_type <> 'physical'",
        "a cloud core costs more than an on-premises one":
            "select count(*) from (select sum(cost::double) filter (where server_type = 'cloud') "
            "/ sum(cpu_cores::double) filter (where server_type = 'cloud') as cloud, "
            "sum(cost::double) filter (where server_type = 'physical') "
            "/ sum(cpu_cores::double) filter (where server_type = 'physical') as onprem "
            "from Server) where cloud <= onprem",
        "development and test items are never critical":
            "select count(*) from (select environment, criticality from Server union all "
            "select environment, criticality from NetworkDevice union all "
            "select environment, criticality from Database) "
            "where environment in ('development', 'test') and criticality = 'critical'",
        "gold services are never low, bronze never critical":
            "select count(*) from BusinessService where (service_tier = 'gold' and "
            "criticality = 'low') or (service_tier = 'bronze' and criticality = 'critical')",
        "20-40% of applications depend on no other application":
            "select count(*) from (select 1 - count(distinct start_id) / "
            "(select count(*) from Application) as leaves from app_deps) "
            "where leaves not between 0.2 and 0.4",
        "an application has at least 100 dependents":
            "select count(*) from (select max(c) as hub from (select end_id, count(*) as c "
            "from app_deps group by end_id)) where hub < 100",
    }
    if rows_only:
        for name in SHAPE_CHECKS:
            del checks[name]
    failed = 0
    for name, sql in checks.items():
        bad = con.execute(sql).fetchone()[0]
        if bad == 0:
            print(f"PASS {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {bad} rows")
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], "--rows-only" in sys.argv[2:]))
