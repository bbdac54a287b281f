//! `networks.mmdb`: the synthetic IP database of a generated set. Reserved space is in
//! no real database, so a generated set carries its own: documentation AS numbers
//! (64496–64511, RFC 5398) named as synthetic, over the set's reserved ranges, so that
//! enrichment and network-level leads show on the sample data.

use super::*;
use mmdb_writer::{Value, Writer};

/// The database's metadata type, which says what it is wherever it is opened.
pub const DATABASE_TYPE: &str = "CompoundAtlas-Synthetic-ASN-Country";
/// The build time written to the metadata (the study's period end), so that the same
/// seed gives the same bytes.
const BUILD_EPOCH: i64 = PERIOD_END;
/// The satellite network of the shared pool 203.0.113.0/24; `assets/shared_networks.csv`
/// lists it, so its matches carry the shared-network caveat.
pub const SATELLITE_ASN: u32 = 64511;

fn record(asn: u32, organisation: &str, country: &str) -> Value {
    Value::map([
        ("autonomous_system_number", Value::from(asn)),
        ("autonomous_system_organization", Value::from(organisation)),
        ("country", Value::map([("iso_code", Value::from(country))])),
    ])
}

/// One network per hub (AS 64496 + the hub's index): its sites' /22 and /48 blocks,
/// and a /24 of the background space 198.19.0.0/16 that no observation covers, where
/// events become `same_network` and `region` leads. The rest of the background space
/// belongs to networks outside the region.
fn networks(locations: &[SynthLocation]) -> Vec<(ipnet::IpNet, Value)> {
    let net = |text: String| {
        text.parse::<ipnet::IpNet>()
            .expect("a block of reserved space")
    };
    let mut out = vec![
        (
            net("198.19.0.0/16".into()),
            record(64508, "Synthetic Thai Mobile (sample data)", "TH"),
        ),
        (
            net("2001:db8:8000::/33".into()),
            record(64508, "Synthetic Thai Mobile (sample data)", "TH"),
        ),
        (
            net("192.0.2.0/24".into()),
            record(64509, "Synthetic Cloud Hosting (sample data)", "SG"),
        ),
        (
            net("198.51.100.0/24".into()),
            record(64510, "Synthetic European ISP (sample data)", "GB"),
        ),
        (
            net("203.0.113.0/24".into()),
            record(
                SATELLITE_ASN,
                "Synthetic Satellite Internet (sample data)",
                "US",
            ),
        ),
    ];
    let mut location = 0;
    for (hub, placement) in PLACEMENTS.iter().enumerate() {
        let country = &locations[location].country;
        let name = format!("Synthetic {} Carrier (sample data)", hub_name(placement.id));
        let value = record(64496 + hub as u32, &name, country);
        out.push((
            net(format!("198.19.{}.0/24", hub_slice(hub))),
            value.clone(),
        ));
        for site in location..location + placement.sites {
            out.push((net(format!("198.18.{}.0/22", site * 4)), value.clone()));
            out.push((net(format!("2001:db8:{:x}::/48", site + 1)), value.clone()));
        }
        location += placement.sites;
    }
    out
}

/// The /24 of 198.19.0.0/16 whose events belong to hub `hub`'s network: spread out, one
/// every sixteen.
pub(super) fn hub_slice(hub: usize) -> usize {
    hub * 16 + 7
}

fn hub_name(id: &str) -> String {
    hub(id).0
}

/// Write the database, atomically.
pub(super) fn write_networks(path: &Path, locations: &[SynthLocation]) -> std::io::Result<()> {
    let epoch = std::time::UNIX_EPOCH + std::time::Duration::from_secs(BUILD_EPOCH as u64);
    let mut writer = Writer::builder(DATABASE_TYPE)
        .description(&[("en", "Synthetic networks of Compound Atlas's generated data: documentation AS numbers over reserved address space; not real")])
        .build_epoch(epoch)
        .build();
    for (network, value) in networks(locations) {
        writer
            .insert_value(network, value)
            .map_err(std::io::Error::other)?;
    }
    let bytes = writer.to_bytes().map_err(std::io::Error::other)?;
    crate::values::atomic::write_atomically(path, |out| out.write_all(&bytes))
}
