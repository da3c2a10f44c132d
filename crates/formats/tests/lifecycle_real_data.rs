//! Lifecycle rules of `steward-core` on the real endoflife.date and distro-info data, and on the
//! real Debian 12 inventory of the shared test data.
//!
//! The expected answers are written out as the data gives them (endoflife.date at commit
//! a70eca3 of 2026-08-22, distro-info-data 0.58+deb12u6), on a fixed day: core never reads the
//! clock, and neither do these tests.

use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

use jiff::civil::{Date, date};
use steward_core::assessment::lifecycle::{
    FORECAST_MONTHS, LifecycleCatalog, LifecycleProduct, Milestone, ProductCycle, SupportState,
    observed_cycles,
};
use steward_formats::feeds::mirror;

fn test_data(relative: &str) -> PathBuf {
    let root = match std::env::var_os("STEWARD_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let path = root.join(relative);
    assert!(
        path.exists(),
        "test data {} is absent: set STEWARD_TEST_DATA to the shared data directory",
        path.display()
    );
    path
}

/// The endoflife.date products and distro-info tables, read through the feed mirror walker.
fn products() -> &'static [LifecycleProduct] {
    static PRODUCTS: OnceLock<Vec<LifecycleProduct>> = OnceLock::new();
    PRODUCTS.get_or_init(|| {
        let loaded = mirror::load(&test_data("eol"), |_| {}).expect("eol data is readable");
        assert!(loaded.errors.is_empty(), "{:#?}", loaded.errors);
        loaded.lifecycle
    })
}

/// The day the answers below are for.
const TODAY: Date = date(2026, 12, 3);

fn status(product: &str, cycle: &str) -> (SupportState, Option<Date>, Option<String>) {
    let catalog = LifecycleCatalog::new(products());
    let status = catalog.status(&ProductCycle::new(product, cycle), TODAY);
    (status.state, status.date, status.source)
}

fn from_endoflife_date(
    state: SupportState,
    day: Option<Date>,
) -> (SupportState, Option<Date>, Option<String>) {
    (state, day, Some("endoflife.date".to_owned()))
}

#[test]
fn statuses_on_2026_12_03_are_as_the_data_says() {
    use SupportState::*;
    // Debian 12: security support ended 2026-07-11; Debian LTS runs to 2028-06-30.
    assert_eq!(
        status("debian", "12"),
        from_endoflife_date(ExtendedSupport, Some(date(2028, 6, 30)))
    );
    // Debian 10: LTS ended 2024-06-30 (security support on 2022-09-10).
    assert_eq!(
        status("debian", "10"),
        from_endoflife_date(EndOfLife, Some(date(2024, 6, 30)))
    );
    // Debian 13: security support to 2028-08-09.
    assert_eq!(
        status("debian", "13"),
        from_endoflife_date(Supported, Some(date(2028, 8, 9)))
    );
    // Ubuntu 22.04: standard support ended 2024-09-30, security to 2027-04-01, ESM to 2032.
    assert_eq!(
        status("ubuntu", "22.04"),
        from_endoflife_date(SecurityOnly, Some(date(2027, 4, 1)))
    );
    // Python 3.8 ended on 2024-10-07; 3.11 has security fixes until 2027-10-31.
    assert_eq!(
        status("python", "3.8"),
        from_endoflife_date(EndOfLife, Some(date(2024, 10, 7)))
    );
    assert_eq!(
        status("python", "3.11"),
        from_endoflife_date(SecurityOnly, Some(date(2027, 10, 31)))
    );
    // AlmaLinux 9: active support to 2027-05-31.
    assert_eq!(
        status("almalinux", "9"),
        from_endoflife_date(Supported, Some(date(2027, 5, 31)))
    );
    // Node.js 20: eol 2026-04-30, then commercial support with no end set (`eoes: false`).
    assert_eq!(
        status("nodejs", "20"),
        from_endoflife_date(ExtendedSupport, None)
    );
    // Apache HTTP Server 2.4: `eol: false`.
    assert_eq!(
        status("apache-http-server", "2.4"),
        from_endoflife_date(EndNotAnnounced, None)
    );
    // Debian 14 (Forky) is only in distro-info, with no end of life yet.
    assert_eq!(
        status("debian", "14"),
        (EndNotAnnounced, None, Some("distro-info".to_owned()))
    );
    assert_eq!(status("debian", "99"), (Unknown, None, None));
}

#[test]
fn every_mapped_product_exists_in_endoflife_date() {
    // Every product a mapping can name is one endoflife.date publishes, so no mapping yields
    // a permanent `unknown`.
    let names: Vec<&str> = products().iter().map(|p| p.name.as_str()).collect();
    for product in steward_core::assessment::lifecycle::mapped_products() {
        assert!(
            names.contains(&product),
            "{product} is not an endoflife.date product"
        );
    }
}

fn debian12_host() -> (
    steward_core::inventory::OsRelease,
    Vec<steward_core::inventory::InstalledPackage>,
) {
    let os_release = std::fs::read_to_string(test_data("inventory/dpkg/os-release"))
        .expect("os-release is readable");
    let os = steward_formats::os_release::parse(&os_release).expect("valid os-release");
    let file = std::fs::File::open(test_data("inventory/dpkg/status.gz")).expect("status.gz");
    let mut status = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut status)
        .expect("gzip text");
    let packages = steward_formats::dpkg::parse_status(&status, "Debian").expect("valid status");
    (os, packages)
}

#[test]
fn the_debian_12_host_runs_these_cycles_with_these_statuses() {
    let (os, packages) = debian12_host();
    let catalog = LifecycleCatalog::new(products());
    let found: Vec<(String, String, SupportState, Option<Date>)> = observed_cycles(&os, &packages)
        .into_iter()
        .map(|observed| {
            let status = catalog.status(&observed.cycle, TODAY);
            (
                observed.cycle.product,
                observed.cycle.cycle,
                status.state,
                status.date,
            )
        })
        .collect();
    let row = |product: &str, cycle: &str, state, day: Option<Date>| {
        (product.to_owned(), cycle.to_owned(), state, day)
    };
    // The runtimes are judged by their upstream projects' support: Debian keeps patching its
    // perl 5.36 while upstream has ended it, which Debian 12's own status covers.
    use SupportState::*;
    assert_eq!(
        found,
        [
            row("debian", "12", ExtendedSupport, Some(date(2028, 6, 30))),
            row("eclipse-temurin", "17", Supported, Some(date(2027, 10, 31))),
            row("nodejs", "20", ExtendedSupport, None),
            row("openssl", "3.0", ExtendedSupport, None),
            row("perl", "5.36", EndOfLife, Some(date(2025, 5, 27))),
            row("postgresql", "15", Supported, Some(date(2027, 11, 11))),
            row("python", "3.11", SecurityOnly, Some(date(2027, 10, 31))),
        ]
    );
}

#[test]
fn the_debian_12_host_forecast_names_what_ends_within_18_months() {
    let (os, packages) = debian12_host();
    let catalog = LifecycleCatalog::new(products());
    let observed = observed_cycles(&os, &packages);
    let cycles = observed.iter().map(|o| &o.cycle);

    let forecast = catalog.forecast(cycles, TODAY, &FORECAST_MONTHS);
    let found: Vec<(&str, &str, Milestone, Date, i8)> = forecast
        .iter()
        .map(|e| {
            (
                e.cycle.product.as_str(),
                e.cycle.cycle.as_str(),
                e.milestone,
                e.date,
                e.within_months,
            )
        })
        .collect();
    // Nothing within 6 months; Debian 12's LTS end (2028-06-30) is past the 18-month horizon.
    let security = Milestone::EndOfSecuritySupport;
    assert_eq!(
        found,
        [
            ("eclipse-temurin", "17", security, date(2027, 10, 31), 12),
            ("python", "3.11", security, date(2027, 10, 31), 12),
            ("postgresql", "15", security, date(2027, 11, 11), 12),
        ]
    );

    // A year earlier, Debian 12's end of security support was within 12 months.
    let earlier = catalog.forecast(
        observed.iter().map(|o| &o.cycle),
        date(2025, 12, 3),
        &FORECAST_MONTHS,
    );
    let debian: Vec<(Milestone, Date, i8)> = earlier
        .iter()
        .filter(|e| e.cycle.product == "debian")
        .map(|e| (e.milestone, e.date, e.within_months))
        .collect();
    assert_eq!(debian, [(security, date(2026, 7, 11), 12)]);
}
