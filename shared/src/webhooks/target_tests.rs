use super::*;
use proptest::prelude::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn internal_addresses_are_refused_and_public_ones_pass() {
    for bad in [
        "0.0.0.0",
        "10.1.2.3",
        "127.0.0.1",
        "127.9.9.9",
        "100.64.0.1",
        "100.127.255.254",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.10",
        "192.0.0.171",
        "192.0.2.1",
        "198.18.0.1",
        "224.0.0.251",
        "239.255.255.250",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "ff02::1",
        "fec0::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::10.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "2002:c0a8:0101::1",
    ] {
        assert!(!is_public(ip(bad)), "{bad} must be refused");
        assert!(!TargetPolicy::public_only().allows(ip(bad)), "{bad}");
    }
    for good in [
        "8.8.8.8",
        "100.63.255.255",
        "100.128.0.1",
        "172.15.0.1",
        "172.32.0.1",
        "93.184.216.34",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ] {
        assert!(is_public(ip(good)), "{good} is public");
    }
}

#[test]
fn the_escape_hatch_admits_loopback_only_and_is_off_unless_exactly_true() {
    let local = TargetPolicy::with_loopback();
    assert!(local.allows(ip("127.0.0.1")));
    assert!(local.allows(ip("::1")));
    assert!(local.allows(ip("::ffff:127.0.0.1")));
    for still_bad in [
        "10.0.0.1",
        "169.254.169.254",
        "192.168.0.1",
        "fd00:ec2::254",
    ] {
        assert!(!local.allows(ip(still_bad)), "{still_bad}");
    }
    assert_eq!(
        TargetPolicy::from_setting(None),
        TargetPolicy::public_only()
    );
    assert_eq!(
        TargetPolicy::from_setting(Some("false")),
        TargetPolicy::public_only()
    );
    assert_eq!(
        TargetPolicy::from_setting(Some("1")),
        TargetPolicy::public_only()
    );
    assert_eq!(TargetPolicy::from_setting(Some("true")), local);
}

#[test]
fn one_internal_address_among_public_ones_refuses_the_name() {
    let addrs = [
        SocketAddr::new(ip("8.8.8.8"), 0),
        SocketAddr::new(ip("10.0.0.5"), 0),
    ];
    assert_eq!(
        TargetPolicy::public_only().check_all(&addrs),
        Err(Refused::NotPublic(ip("10.0.0.5")))
    );
    assert_eq!(
        TargetPolicy::public_only().check_all(&[]),
        Err(Refused::NoAddress)
    );
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_unless_allowed() {
    let refused = TargetPolicy::public_only().resolve("localhost").await;
    assert!(
        matches!(refused, Err(ResolveError::Refused(Refused::NotPublic(a))) if a.is_loopback()),
        "{refused:?}"
    );
    let allowed = TargetPolicy::with_loopback()
        .resolve("localhost")
        .await
        .unwrap();
    assert!(allowed.iter().all(|a| a.ip().is_loopback()));
    assert!(
        check_registration("https://localhost/h", TargetPolicy::public_only())
            .await
            .is_err()
    );
    assert!(
        check_registration("https://[::ffff:10.0.0.1]/h", TargetPolicy::public_only())
            .await
            .is_err()
    );
    // A name that does not resolve (yet) is accepted at registration.
    assert!(check_registration(
        "https://no-such-host.invalid/h",
        TargetPolicy::public_only()
    )
    .await
    .is_ok());
}

proptest! {
    /// An IPv4-mapped address is judged exactly as the IPv4 address inside it.
    #[test]
    fn a_mapped_address_is_judged_as_its_ipv4(a in any::<u32>()) {
        let v4 = Ipv4Addr::from(a);
        prop_assert_eq!(is_public(IpAddr::V6(v4.to_ipv6_mapped())), is_public(IpAddr::V4(v4)));
    }

    /// Every private, loopback, link-local, CGNAT and multicast IPv4 address is refused.
    #[test]
    fn internal_ipv4_ranges_are_refused(host in any::<u32>()) {
        for (base, bits) in [
            (0x0A00_0000u32, 8), (0x7F00_0000, 8), (0xA9FE_0000, 16), (0xAC10_0000, 12),
            (0xC0A8_0000, 16), (0x6440_0000, 10), (0xE000_0000, 4),
        ] {
            let ip = Ipv4Addr::from(base | (host >> bits));
            prop_assert!(!is_public(IpAddr::V4(ip)), "{}", ip);
        }
    }
}
