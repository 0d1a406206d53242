//! The network kinds: a server's interfaces (`HAS_INTERFACE`), their
//! addresses (`HAS_IP`), the subnets that hold the addresses (`IN_SUBNET`),
//! each subnet in a site (`LOCATED_IN`), and network devices connected to
//! the interfaces of their data centre.
//!
//! Everything is arithmetic over the world's splits. A site's servers are a
//! contiguous range, and interfaces and addresses are split evenly over
//! their owners, so a site's interfaces and addresses are contiguous ranges
//! too. The one table is per site (sites are at most `MAX_PARENTS`): its
//! first subnet and where its subnets' address block lies. Address `k` of a
//! site with `m` subnets is host `2 + q / m` of the site's subnet `q mod m`
//! (`q` its position in the site), so every address is inside its subnet's
//! block and no two are equal; MAC addresses are unique by arithmetic too.

use super::text::Net;
use super::{Value, World};
use crate::model::{self, NodeKind, RelKind};
use crate::rng::{self, Draws, Stream};
use std::ops::Range;

/// The private IPv4 ranges server addresses are taken from, in order:
/// 10.0.0.0/8, then 192.168.0.0/16, as (first address, host bits).
/// 172.16.0.0/12 is left to the network devices' management addresses
/// (their `ip` column), so no interface address equals one of them.
const V4_RANGES: [(u32, u32); 2] = [(0x0A00_0000, 24), (0xC0A8_0000, 16)];

/// The smallest subnet is a /24.
const MIN_HOST_BITS: u32 = 8;

/// A subnet's host offsets: 0 is the network, 1 the gateway and the last
/// the broadcast address; hosts start at 2.
const FIRST_HOST: u64 = 2;

/// Stream id of the IPv6 ULA global id (a stable constant).
const ULA_STREAM: u64 = 0xA00;
/// Stream id of the interface and address draws.
const NET_STREAM: u64 = 0xA40;

/// Network interface vendors with one of their real OUIs (all universally
/// administered: the first octet's two low bits are clear).
static OUIS: [(u32, &str); 16] = [
    (0x001B21, "Intel"),
    (0x3CFDFE, "Intel"),
    (0x001018, "Broadcom"),
    (0x0002C9, "Mellanox"),
    (0x00000C, "Cisco"),
    (0x001422, "Dell"),
    (0x0017A4, "Hewlett Packard"),
    (0x005056, "VMware"),
    (0x00155D, "Microsoft"),
    (0x00163E, "Xensource"),
    (0x0000C9, "Emulex"),
    (0x000E1E, "QLogic"),
    (0x000F53, "Solarflare"),
    (0x000743, "Chelsio"),
    (0x002590, "Supermicro"),
    (0x00E0FC, "Huawei"),
];

/// Interface speeds in Mbit/s, with weights summing to 100.
static SPEEDS: [i64; 5] = [1_000, 10_000, 25_000, 40_000, 100_000];
static SPEED_WEIGHTS: [u32; 5] = [20, 40, 25, 5, 10];

/// How an address was assigned, with weights summing to 100.
static ASSIGNMENT: [&str; 3] = ["static", "dhcp", "reserved"];
static ASSIGNMENT_WEIGHTS: [u32; 3] = [75, 15, 10];

/// A site's address plan.
#[derive(Clone, Copy, Debug, Default)]
struct Site {
    /// Its first subnet's network address when its block is IPv4; `None`
    /// when the private IPv4 space had no room left (IPv6 ULA subnets).
    v4: Option<u32>,
    /// Host bits of each of its IPv4 subnets (its subnets are all one size).
    host_bits: u32,
}

/// The per-site table of the address plan, built once with the world.
#[derive(Clone, Debug, Default)]
pub(super) struct Network {
    /// `starts[s]..starts[s + 1]` are site `s`'s subnets.
    starts: Vec<u64>,
    sites: Vec<Site>,
    /// The 40-bit ULA global id: IPv6 subnet `t` is the /64 `fd` + the 56
    /// bits `global << 16 + t` (a /48 per 65,536 subnets, in order).
    ula: u64,
}

/// How many of a site's `m` subnets are IPv4 (when its block is): all
/// but the last of two or more, which is the site's IPv6 /64 (dual stack),
/// where the servers change sets add take their addresses.
fn v4_subnets(m: u64) -> u64 {
    if m >= 2 {
        m - 1
    } else {
        m
    }
}

/// The host offsets of the addresses change sets add start here, far above
/// every base address's offset (a site has fewer than 2^40 addresses).
const NEW_HOSTS: u64 = 1 << 48;

/// The number of host bits of the smallest block holding `n` offsets.
fn bits_for(n: u64) -> u32 {
    64 - n.saturating_sub(1).leading_zeros()
}

impl Network {
    /// The plan of a world whose splits are built: each site gets one
    /// subnet when there are as many subnets as sites (the profile checks
    /// it when there are addresses), the rest split by the sites' address
    /// counts; then, in site order, each site's block takes the first
    /// private IPv4 range with room for it, aligned to its subnet size.
    pub(super) fn new(w: &World) -> Network {
        let sites = w.network_sites();
        let subnets = w.count(NodeKind::Subnet);
        let floor = u64::from(subnets >= sites);
        let extra = u128::from(subnets - floor * sites);
        let counts: Vec<u64> = (0..sites)
            .map(|s| {
                let a = w.site_addresses(s);
                a.end - a.start
            })
            .collect();
        let total: u128 = counts.iter().map(|&n| u128::from(n.max(1))).sum();
        let mut starts = Vec::with_capacity(counts.len() + 1);
        let mut cum = 0u128;
        for (s, &n) in (0u64..).zip(&counts) {
            starts.push(s * floor + crate::cast::narrow(extra * cum / total));
            cum += u128::from(n.max(1));
        }
        starts.push(subnets);
        let mut used = [0u128; V4_RANGES.len()];
        let plan = (0..counts.len())
            .map(|s| {
                let m = starts[s + 1] - starts[s];
                let per = counts[s].div_ceil(m.max(1));
                let host_bits = bits_for(per + FIRST_HOST + 1).max(MIN_HOST_BITS);
                let size = u128::from(v4_subnets(m)) << host_bits;
                let mut v4 = None;
                for (r, &(first, bits)) in V4_RANGES.iter().enumerate() {
                    if m == 0 || host_bits > bits {
                        break;
                    }
                    let align = 1u128 << host_bits;
                    let at = used[r].div_ceil(align) * align;
                    if at + size <= 1u128 << bits {
                        used[r] = at + size;
                        // Inside a range of at most 2^24 addresses.
                        v4 = Some(first + u32::try_from(at).unwrap_or(0));
                        break;
                    }
                }
                Site { v4, host_bits }
            })
            .collect();
        Network {
            starts,
            sites: plan,
            ula: Stream::new(w.profile.seed, ULA_STREAM).at(0) >> 25,
        }
    }

    /// The site of subnet `t`.
    fn site_of(&self, t: u64) -> u64 {
        (self.starts.partition_point(|&x| x <= t) - 1) as u64
    }

    /// The subnets of site `s`.
    fn subnets(&self, s: u64) -> Range<u64> {
        let s = crate::cast::index(s);
        self.starts[s]..self.starts[s + 1]
    }

    /// The /64 prefix of IPv6 subnet `t`, as the high 64 bits.
    fn ula_prefix(&self, t: u64) -> u128 {
        let low56 = ((self.ula << 16) + t) & ((1 << 56) - 1);
        u128::from(0xFD << 56 | low56) << 64
    }
}

/// Subnet `t`'s network address and prefix length, as a CIDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// An IPv4 network and prefix length.
    V4(u32, u32),
    /// An IPv6 network (a /64).
    V6(u128),
}

impl Block {
    /// The address at host offset `h` of the block.
    fn host(self, h: u64) -> Value<'static> {
        match self {
            // Offsets stay below the block's size (the plan sizes it).
            Block::V4(net, _) => Value::Ipv4(net + u32::try_from(h).unwrap_or(0)),
            Block::V6(net) => Value::Net(Net::V6(net | u128::from(h))),
        }
    }

    /// The block as a CIDR value.
    fn cidr(self) -> Value<'static> {
        match self {
            Block::V4(net, len) => Value::Net(Net::Cidr4(net, narrow_len(len))),
            Block::V6(net) => Value::Net(Net::Cidr6(net, 64)),
        }
    }

    fn version(self) -> i64 {
        match self {
            Block::V4(..) => 4,
            Block::V6(_) => 6,
        }
    }
}

/// A prefix length (at most 128) as a byte.
fn narrow_len(len: u32) -> u8 {
    u8::try_from(len).unwrap_or(u8::MAX)
}

impl World {
    /// The number of network sites: the data centres. One place counts
    /// the sites and the two below place servers in them, so another kind
    /// of site (a cloud zone) changes only these three.
    pub(super) fn network_sites(&self) -> u64 {
        self.count(NodeKind::DataCenter) + self.count(NodeKind::AvailabilityZone)
    }

    /// The site of server `j`: its data centre, or for a cloud server its
    /// availability zone (the sites after the data centres).
    pub(super) fn network_server_site(&self, j: u64) -> u64 {
        match self.server_dc(j) {
            Some(dc) => dc,
            None => {
                self.count(NodeKind::DataCenter)
                    + self.parent(RelKind::ServerHostedInAvailabilityZone, j)
            }
        }
    }

    /// The servers of site `s`, a contiguous range.
    pub(super) fn network_site_servers(&self, s: u64) -> Range<u64> {
        let dcs = self.count(NodeKind::DataCenter);
        if s < dcs {
            self.children(RelKind::ServerHostedInDataCenter, s)
        } else if self.count(NodeKind::AvailabilityZone) > 0 {
            self.children(RelKind::ServerHostedInAvailabilityZone, s - dcs)
        } else {
            0..0
        }
    }

    /// The first node owned by owners `x..` in `Owns` family `r` (every
    /// owned node when `x` is past the owners).
    pub(crate) fn owned_from(&self, r: RelKind, x: u64) -> u64 {
        if x >= self.count(r.spec().start) {
            self.count(r.spec().end)
        } else {
            self.owned(r, x).start
        }
    }

    /// The interfaces of a range of servers (contiguous: an even split).
    fn interfaces_of(&self, servers: Range<u64>) -> Range<u64> {
        let r = RelKind::ServerHasNetworkInterface;
        self.owned_from(r, servers.start)..self.owned_from(r, servers.end)
    }

    /// The addresses of a range of interfaces.
    fn addresses_of(&self, interfaces: Range<u64>) -> Range<u64> {
        let r = RelKind::NetworkInterfaceHasIpAddress;
        self.owned_from(r, interfaces.start)..self.owned_from(r, interfaces.end)
    }

    /// The interfaces of data centre `dc`'s servers: the ends a device of
    /// the data centre connects to.
    pub(super) fn dc_interfaces(&self, dc: u64) -> Range<u64> {
        self.interfaces_of(self.children(RelKind::ServerHostedInDataCenter, dc))
    }

    /// The addresses of site `s`.
    fn site_addresses(&self, s: u64) -> Range<u64> {
        self.addresses_of(self.interfaces_of(self.network_site_servers(s)))
    }

    /// The address block of subnet `t` of site `s`.
    pub(crate) fn subnet_block(&self, s: u64, t: u64) -> Block {
        let n = &self.network;
        let site = n.sites[crate::cast::index(s)];
        let subnets = n.subnets(s);
        match site.v4 {
            Some(first) if t - subnets.start < v4_subnets(subnets.end - subnets.start) => {
                let k = t - subnets.start;
                // Inside the site's IPv4 block by construction.
                let off = u32::try_from(k << site.host_bits).unwrap_or(0);
                Block::V4(first + off, 32 - site.host_bits)
            }
            _ => Block::V6(n.ula_prefix(t)),
        }
    }

    /// The IPv6 subnet of site `s` where the addresses of servers that
    /// change sets add are placed: its last subnet, when that is IPv6 (a
    /// site with one IPv4 subnet has none).
    pub(crate) fn new_address_subnet(&self, s: u64) -> Option<u64> {
        let subnets = self.network.subnets(s);
        let t = subnets.end.checked_sub(1).filter(|&t| t >= subnets.start)?;
        matches!(self.subnet_block(s, t), Block::V6(_)).then_some(t)
    }

    /// The address a change set gives its new address node `k` (an index
    /// past the base, unique across days) in IPv6 subnet `t`: a host
    /// offset above every base address's, so none repeats.
    pub(crate) fn new_address_value(&self, t: u64, k: u64) -> Value<'static> {
        self.subnet_block(self.network.site_of(t), t)
            .host(NEW_HOSTS | k)
    }

    /// The end in family `r` of a node a change set adds through an `Owns`
    /// family (an interface, an address) when its owning server is placed
    /// like base server `twin`: an address is in the IPv6 subnet of the
    /// twin's site. `None` when it has none there.
    pub(crate) fn new_owned_end(&self, r: RelKind, twin: u64) -> Option<u64> {
        match r {
            RelKind::IpAddressInSubnet => self.new_address_subnet(self.network_server_site(twin)),
            _ => None,
        }
    }

    /// Where address `k` lies: its site, its subnet and its host offset.
    pub(crate) fn address_place(&self, k: u64) -> (u64, u64, u64) {
        let iface = self.owner(RelKind::NetworkInterfaceHasIpAddress, k);
        let server = self.owner(RelKind::ServerHasNetworkInterface, iface);
        let s = self.network_server_site(server);
        let q = k - self.site_addresses(s).start;
        let subnets = self.network.subnets(s);
        let m = (subnets.end - subnets.start).max(1);
        (s, subnets.start + q % m, FIRST_HOST + q / m)
    }

    /// The text value of address `k`.
    pub(crate) fn address_value(&self, k: u64) -> Value<'static> {
        let (s, t, h) = self.address_place(k);
        self.subnet_block(s, t).host(h)
    }

    /// The `ip` of server `j`: its first address, on its primary interface
    /// (the first with an address); empty when it has none. Without
    /// interfaces in the profile, the number it always had, so such
    /// profiles keep their bytes.
    pub(super) fn server_ip(&self, j: u64) -> Value<'static> {
        if self.count(NodeKind::NetworkInterface) == 0 {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "the low 24 bits of the row number, masked"
            )]
            return Value::Ipv4(0x0A00_0000 | (j as u32 & 0x00FF_FFFF));
        }
        let addrs = self.addresses_of(self.interfaces_of(j..j + 1));
        if addrs.is_empty() {
            Value::Null
        } else {
            self.address_value(addrs.start)
        }
    }

    /// The MAC address of interface `k` and its vendor: vendors in turn
    /// (`k mod 16`), the serial `k div 16` in the low 24 bits; past 2^24
    /// serials, a locally administered address (`02:` and the overflow
    /// index), which no vendor's OUI has, with no vendor.
    pub(crate) fn mac_of(k: u64) -> (u64, Option<&'static str>) {
        let n = OUIS.len() as u64;
        let (slot, serial) = (k % n, k / n);
        if serial < 1 << 24 {
            let (oui, vendor) = OUIS[crate::cast::index(slot)];
            (u64::from(oui) << 24 | serial, Some(vendor))
        } else {
            (0x0200_0000_0000 | (k - (n << 24)), None)
        }
    }

    /// The end of a network family's relationship from `j`.
    pub(super) fn network_end(&self, r: RelKind, j: u64) -> Option<u64> {
        let dcs = self.count(NodeKind::DataCenter);
        match r {
            RelKind::IpAddressInSubnet => {
                (self.count(NodeKind::Subnet) > 0).then(|| self.address_place(j).1)
            }
            // A subnet is in its site: a data centre, or a zone after them.
            RelKind::SubnetLocatedInDataCenter => {
                Some(self.network.site_of(j)).filter(|&s| s < dcs)
            }
            RelKind::SubnetLocatedInAvailabilityZone => self.network.site_of(j).checked_sub(dcs),
            _ => None,
        }
    }

    /// A network family's degree when it is the same for every start: an
    /// address is in a subnet whenever there are subnets.
    pub(super) fn network_fixed_degree(&self, r: RelKind) -> Option<u64> {
        match r {
            RelKind::IpAddressInSubnet => Some(u64::from(self.count(NodeKind::Subnet) > 0)),
            _ => None,
        }
    }

    /// Appends row `i` of a network kind.
    pub(super) fn network_row<'w>(
        &'w self,
        kind: NodeKind,
        i: u64,
        d: &mut Draws,
        out: &mut Vec<Value<'w>>,
    ) {
        match kind {
            NodeKind::NetworkInterface => self.interface(i, d, out),
            NodeKind::IPAddress => self.address(i, d, out),
            NodeKind::Subnet => self.subnet(i, d, out),
            _ => unreachable!("{kind} is not a network kind"),
        }
    }

    fn interface<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        // One a change set adds past the base is its new server's first.
        let nth = if i < self.count(NodeKind::NetworkInterface) {
            let server = self.owner(RelKind::ServerHasNetworkInterface, i);
            i - self.owned(RelKind::ServerHasNetworkInterface, server).start
        } else {
            0
        };
        let (mac, vendor) = Self::mac_of(i);
        out.push(Value::Id {
            prefix: NodeKind::NetworkInterface.id_prefix(),
            n: i,
        });
        out.push(Value::Labels(model::NETWORK_INTERFACE_LABELS[0]));
        out.push(Value::Name {
            a: "eth",
            b: "",
            sep: "",
            n: nth,
        });
        out.push(Value::Net(Net::Mac(mac)));
        out.push(vendor.map_or(Value::Null, Value::Str));
        let h = Stream::new(self.profile.seed, NET_STREAM).at(i);
        out.push(Value::Int(SPEEDS[rng::weighted(h, &SPEED_WEIGHTS, 100)]));
        self.push_source_tags(NodeKind::NetworkInterface, d, out);
    }

    fn address<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        out.push(Value::Id {
            prefix: NodeKind::IPAddress.id_prefix(),
            n: i,
        });
        out.push(Value::Labels(model::IP_ADDRESS_LABELS[0]));
        if i < self.count(NodeKind::IPAddress) {
            let (s, t, h) = self.address_place(i);
            let block = self.subnet_block(s, t);
            out.push(block.host(h));
            out.push(Value::Int(block.version()));
        } else {
            // Past the base: the change set that adds it places it
            // ([`World::new_address_value`]).
            out.extend([Value::Null, Value::Int(6)]);
        }
        let a = rng::weighted(d.next(), &ASSIGNMENT_WEIGHTS, 100);
        out.push(Value::Str(ASSIGNMENT[a]));
        self.push_source_tags(NodeKind::IPAddress, d, out);
    }

    fn subnet<'w>(&'w self, i: u64, d: &mut Draws, out: &mut Vec<Value<'w>>) {
        let h = self.head(NodeKind::Subnet, i, d);
        self.ci_common(NodeKind::Subnet, i, model::SUBNET_LABELS[0], &h, d, out);
        let s = self.network.site_of(i);
        let block = self.subnet_block(s, i);
        out.push(block.cidr());
        out.push(Value::Int(match block {
            Block::V4(_, len) => i64::from(len),
            Block::V6(_) => 64,
        }));
        out.push(block.host(1));
        out.push(Value::Int(block.version()));
        // VLANs 100..=3999, numbered within the site.
        let nth = i - self.network.subnets(s).start;
        out.push(Value::Int(100 + (nth % 3_900) as i64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::pairs;
    use crate::model::Table;
    use crate::profile::Profile;
    use std::collections::HashSet;

    /// The address bits of a place, IPv4 in the low 32 bits with a flag
    /// above the IPv6 range, so both families share one set.
    fn bits(v: Value<'_>) -> u128 {
        match v {
            Value::Ipv4(a) => u128::from(a),
            Value::Net(Net::V6(a)) => a,
            other => panic!("not an address: {other:?}"),
        }
    }

    /// Whether address `a` is inside `block` (CIDR arithmetic), and not its
    /// network, gateway or broadcast address.
    fn inside(a: u128, block: Block) -> bool {
        let (net, host_bits) = match block {
            Block::V4(net, len) => (u128::from(net), 32 - len),
            Block::V6(net) => (net, 64),
        };
        let host = a ^ net;
        host >> host_bits == 0 && host > 1 && host < (1u128 << host_bits) - 1
    }

    /// Checks every invariant over the world by arithmetic: addresses in
    /// their subnets and unique (a set of 128-bit values, sized by the
    /// addresses), subnets in their server's site, MACs unique.
    fn check(w: &World) {
        let addrs = w.count(NodeKind::IPAddress);
        let mut seen = HashSet::with_capacity(crate::cast::index(addrs));
        for k in 0..addrs {
            let (s, t, h) = w.address_place(k);
            let block = w.subnet_block(s, t);
            let a = bits(block.host(h));
            assert!(inside(a, block), "address {k} outside subnet {t}");
            let v6 = matches!(block, Block::V6(_));
            assert!(seen.insert((v6, a)), "address {k} repeated");
            // The subnet is in the site of the address's server.
            let iface = w.owner(RelKind::NetworkInterfaceHasIpAddress, k);
            let server = w.owner(RelKind::ServerHasNetworkInterface, iface);
            assert_eq!(w.network.site_of(t), w.network_server_site(server));
            assert_eq!(w.network_end(RelKind::IpAddressInSubnet, k), Some(t));
        }
        // Every IPv4 block is private (10/8 or 192.168/16), aligned, and
        // no two sites' blocks overlap.
        let mut blocks: Vec<(u64, u64)> = Vec::new();
        for s in 0..w.network_sites() {
            for t in w.network.subnets(s) {
                assert_eq!(w.network.site_of(t), s);
                if let Block::V4(net, len) = w.subnet_block(s, t) {
                    let size = 1u64 << (32 - len);
                    assert_eq!(u64::from(net) % size, 0, "subnet {t} unaligned");
                    let ten = net >> 24 == 10;
                    let home = net >> 16 == 0xC0A8 && len >= 16;
                    assert!(ten || home, "subnet {t} not private");
                    blocks.push((u64::from(net), u64::from(net) + size));
                }
            }
        }
        blocks.sort_unstable();
        assert!(
            blocks.windows(2).all(|b| b[0].1 <= b[1].0),
            "blocks overlap"
        );
        let nics = w.count(NodeKind::NetworkInterface);
        let macs: HashSet<u64> = (0..nics).map(|k| World::mac_of(k).0).collect();
        assert_eq!(macs.len() as u64, nics);
    }

    #[test]
    fn medium_addresses_are_in_their_subnets_unique_and_local() {
        let w = World::new(&Profile::load("medium").unwrap());
        assert!(w.count(NodeKind::IPAddress) > 0);
        check(&w);
        // Every address is in exactly one subnet, every subnet in one site:
        // a data centre or, for cloud servers, a zone.
        let p = pairs(&w, RelKind::IpAddressInSubnet);
        assert_eq!(p.len() as u64, w.count(NodeKind::IPAddress));
        assert_eq!(
            p.len() as u64,
            w.rows(Table::Rel(RelKind::IpAddressInSubnet))
        );
        let mut sited = std::collections::HashSet::new();
        for r in [
            RelKind::SubnetLocatedInDataCenter,
            RelKind::SubnetLocatedInAvailabilityZone,
        ] {
            let p = pairs(&w, r);
            assert!(!p.is_empty(), "{r}");
            assert_eq!(p.len() as u64, w.rows(Table::Rel(r)), "{r}");
            for (t, _) in p {
                assert!(sited.insert(t), "subnet {t} in two sites");
            }
        }
        assert_eq!(sited.len() as u64, w.count(NodeKind::Subnet));
        // Medium fits in IPv4, but for the IPv6 subnet each site of two or
        // more subnets ends with (dual stack).
        for s in 0..w.network_sites() {
            let subnets = w.network.subnets(s);
            let dual = subnets.end - subnets.start >= 2;
            for t in subnets.clone() {
                let v6 = dual && t == subnets.end - 1;
                assert_eq!(w.subnet_block(s, t).version(), if v6 { 6 } else { 4 });
            }
            assert_eq!(w.new_address_subnet(s), dual.then(|| subnets.end - 1));
        }
        let v6 = (0..w.count(NodeKind::IPAddress))
            .filter(|&k| matches!(w.address_value(k), Value::Net(Net::V6(_))))
            .count();
        assert!(v6 > 0);
    }

    #[test]
    fn past_the_private_ipv4_space_sites_take_ipv6_and_stay_unique() {
        // 16.9 M IPv4 addresses at most; a /24 per subnet and 70,000
        // subnets ask for 17.9 M, so the last sites take IPv6.
        let text = "[nodes]\nRegion = 2\nDataCenter = 40\nServer = 70000\nNetworkInterface = 70000\nIPAddress = 70000\nSubnet = 70000\n";
        let w = World::new(&Profile::parse(text, "overflow").unwrap());
        check(&w);
        let kinds: HashSet<i64> = (0..w.count(NodeKind::Subnet))
            .map(|t| w.subnet_block(w.network.site_of(t), t).version())
            .collect();
        assert_eq!(kinds, HashSet::from([4, 6]));
    }

    #[test]
    fn owners_are_even_and_rows_follow_them() {
        let w = World::new(&Profile::load("medium").unwrap());
        for r in [
            RelKind::ServerHasNetworkInterface,
            RelKind::NetworkInterfaceHasIpAddress,
        ] {
            let spec = r.spec();
            let p = pairs(&w, r);
            // One row per owned node, in its order; owners never go back.
            assert_eq!(p.len() as u64, w.count(spec.end), "{r}");
            for (e, &(s, end)) in p.iter().enumerate() {
                assert_eq!(end, e as u64);
                assert!(s < w.count(spec.start));
                assert!(w.owned(r, s).contains(&end));
            }
            assert!(p.windows(2).all(|x| x[0].0 <= x[1].0), "{r}");
            // The degree is the owned count; it sums to the rows.
            let total: u64 = (0..w.count(spec.start)).map(|s| w.degree(r, s)).sum();
            assert_eq!(total, w.count(spec.end));
        }
    }

    #[test]
    fn a_server_ip_is_its_primary_interfaces_address() {
        let w = World::new(&Profile::load("medium").unwrap());
        let at = NodeKind::Server
            .columns(w.provenance())
            .iter()
            .position(|c| c.name == "ip")
            .unwrap();
        for j in (0..w.count(NodeKind::Server)).step_by(7) {
            let mut row = Vec::new();
            w.node_row(NodeKind::Server, j, &mut row);
            let iface = w.owned(RelKind::ServerHasNetworkInterface, j);
            let addrs = w.addresses_of(iface.clone());
            let first = iface
                .map(|i| w.owned(RelKind::NetworkInterfaceHasIpAddress, i))
                .find(|a| !a.is_empty());
            assert_eq!(
                first.clone().map(|a| a.start),
                (!addrs.is_empty()).then_some(addrs.start)
            );
            let want = first.map_or(Value::Null, |a| w.address_value(a.start));
            assert_eq!(row[at], want, "server {j}");
        }
    }

    #[test]
    fn devices_connect_to_interfaces_of_their_data_centre() {
        let w = World::new(&Profile::load("medium").unwrap());
        let p = pairs(&w, RelKind::NetworkDeviceConnectsToNetworkInterface);
        assert!(!p.is_empty());
        for (dev, nic) in p {
            let dc = w.parent(RelKind::NetworkDeviceHostedInDataCenter, dev);
            let server = w.owner(RelKind::ServerHasNetworkInterface, nic);
            assert_eq!(w.parent(RelKind::ServerHostedInDataCenter, server), dc);
        }
    }

    #[test]
    fn macs_step_past_the_oui_serials_into_local_addresses() {
        let n = OUIS.len() as u64;
        let last = (n << 24) - 1;
        let (mac, vendor) = World::mac_of(last);
        assert_eq!(mac & 0xFF_FFFF, 0xFF_FFFF);
        assert!(vendor.is_some());
        let (local, none) = World::mac_of(last + 1);
        assert_eq!(local, 0x0200_0000_0000);
        assert!(none.is_none());
        for &(oui, _) in &OUIS {
            assert_eq!(oui >> 16 & 0b11, 0, "{oui:06x} is not universal");
        }
    }

    #[test]
    fn network_counts_are_checked() {
        let e = Profile::parse("[nodes]\nRegion = 1\nDataCenter = 1\nIPAddress = 3\n", "t")
            .unwrap_err()
            .0;
        assert!(e.contains("nodes.NetworkInterface"), "{e}");
        let text = "[nodes]\nRegion = 1\nDataCenter = 4\nServer = 10\nNetworkInterface = 10\nIPAddress = 10\nSubnet = 3\n";
        let e = Profile::parse(text, "t").unwrap_err().0;
        assert!(e.contains("nodes.Subnet"), "{e}");
    }
}
