//! A stable, well-mixed 64-bit hash of a few strings: what spreads work evenly and puts
//! the same item in the same place on every run and every deployed version (due-work
//! shards, spread offsets). FNV-1a over the parts joined by `#`, then splitmix64's
//! finaliser: FNV-1a's low bits depend only on the low bits of each byte, so taken alone
//! they are poorly mixed for short, similar keys (plain 32-bit FNV-1a `% 32` put one due
//! shard 16% above its share over sequential ids; see docs/benchmarks.md).

pub fn stable_hash<'a>(parts: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.into_iter().enumerate() {
        let sep = (i > 0).then_some(b'#');
        for b in sep.into_iter().chain(part.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}
