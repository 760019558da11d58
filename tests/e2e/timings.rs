//! Where a check's time goes: HTTP checks run over sockets time DNS,
//! connect and first byte against real loopback targets, reached by name
//! through the test DNS server (`web.test`, scripts/e2e.sh); `fetch` stays
//! the fallback that a monitor can ask for.

use crate::checks::http_check;
use crate::support::{wait_for, Account, TempDir};
use crate::targets::{closed_tcp_port, HttpTarget};
use serde_json::{json, Value};
use std::process::{Command, Stdio};

fn ms(timings: &Value, phase: &str) -> u64 {
    timings[phase]
        .as_u64()
        .unwrap_or_else(|| panic!("{phase} is measured: {timings}"))
}

/// DNS, connect and first byte are measured, one after the other, within the total.
#[track_caller]
fn assert_phases_fit(timings: &Value) {
    let phases: u64 = ["dns_ms", "connect_ms", "ttfb_ms"].iter().map(|p| ms(timings, p)).sum();
    assert!(
        ms(timings, "total_ms") >= phases,
        "the phases fit in the total: {timings}"
    );
}

#[test]
fn a_target_reached_by_name_has_its_dns_connect_and_first_byte_timed() {
    let (account, target) = (Account::register("phases"), HttpTarget::start());
    let id = http_check(&account, &target.url_by_name("/ok"), json!({}));
    let check = account.wait_for_status(&id, "up");
    let timings = &check["timings"];
    assert!(timings["tls_ms"].is_null(), "no TLS over http: {timings}");
    assert_phases_fit(timings);
}

#[test]
fn slow_headers_show_in_the_first_byte_not_in_the_connect() {
    let (account, target) = (Account::register("slow-headers"), HttpTarget::start());
    let id = http_check(&account, &target.url_by_name("/slow/1000"), json!({}));
    let timings = account.wait_for_status(&id, "up")["timings"].clone();
    // The target sleeps once it has read the request; the runtime's clock
    // moves in steps, so a little slack below the full second.
    assert!(ms(&timings, "ttfb_ms") >= 950, "{timings}");
    assert!(ms(&timings, "connect_ms") < 500, "{timings}");
}

#[test]
fn chunked_answers_are_decoded_for_the_keyword() {
    let (account, target) = (Account::register("chunked"), HttpTarget::start());
    // "healthy" arrives split over two chunks: found only in the decoded body.
    let found = http_check(
        &account,
        &target.url_by_name("/chunked"),
        json!({ "keyword": "healthy" }),
    );
    let absent = http_check(
        &account,
        &target.url("/chunked"),
        json!({ "keyword": "systems healthy", "keyword_mode": "absent" }),
    );
    assert_eq!(account.wait_for_status(&found, "up")["status_code"], 200);
    assert_eq!(
        account.wait_for_status(&absent, "down")["error"],
        "keyword \"systems healthy\" found"
    );
}

#[test]
fn a_refused_port_says_so_after_its_name_was_resolved() {
    let account = Account::register("refused");
    let port = closed_tcp_port();
    let id = http_check(&account, &format!("http://web.test:{port}/"), json!({}));
    let check = account.wait_for_status(&id, "down");
    assert_eq!(check["error"], "connection refused");
    let timings = &check["timings"];
    ms(timings, "dns_ms");
    assert!(
        timings["connect_ms"].is_null() && timings["ttfb_ms"].is_null(),
        "{timings}"
    );
}

#[test]
fn redirects_are_followed_hop_by_hop_with_each_hops_phases_added() {
    let (account, target) = (Account::register("hops"), HttpTarget::start());
    // Two hops, each 300 ms before its first byte: a slow 302, then a slow 200.
    let id = http_check(
        &account,
        &target.url_by_name("/slow/300?/slow/300"),
        json!({ "keyword": "healthy" }),
    );
    let check = account.wait_for_status(&id, "up");
    assert_eq!(check["status_code"], 200);
    let timings = &check["timings"];
    assert_phases_fit(timings);
    assert!(ms(timings, "ttfb_ms") >= 600, "both hops' waits: {timings}");
}

#[test]
fn a_monitor_that_asks_for_fetch_sees_only_the_first_byte() {
    let (account, target) = (Account::register("fetch"), HttpTarget::start());
    let id = http_check(
        &account,
        &target.url("/chunked"),
        json!({ "timing": "fetch", "keyword": "healthy" }),
    );
    let check = account.wait_for_status(&id, "up");
    let timings = &check["timings"];
    ms(timings, "ttfb_ms");
    assert!(
        ["dns_ms", "connect_ms", "tls_ms"].iter().all(|p| timings[p].is_null()),
        "{timings}"
    );
    let monitor = account.client().get(&format!("/api/v1/monitors/{id}"));
    assert_eq!(monitor.data(200)["timing"], "fetch");
    account
        .client()
        .patch(&format!("/api/v1/monitors/{id}"), json!({ "timing": "curl" }))
        .invalid("timing");
}

#[test]
fn uptime_has_the_median_of_each_phase_over_a_day() {
    let (account, target) = (Account::register("medians"), HttpTarget::start());
    let id = http_check(&account, &target.url_by_name("/slow/200"), json!({}));
    wait_for(20, "3 checks", || (account.checks(&id, "").len() >= 3).then_some(()));
    let uptime = account.client().get(&format!("/api/v1/monitors/{id}/uptime"));
    let medians = &uptime.data(200)["timings_p50_24h"];
    for phase in ["dns_ms", "connect_ms", "ttfb_ms", "total_ms"] {
        ms(medians, phase);
    }
    assert!(ms(medians, "ttfb_ms") >= 200, "{medians}");
    assert!(medians["tls_ms"].is_null(), "no check measured TLS: {medians}");
}

/// `openssl s_server` on a loopback port with a self-signed certificate for
/// `web.test`, which no runtime trusts; stopped when dropped.
struct UntrustedTlsTarget {
    port: u16,
    server: std::process::Child,
    _dir: TempDir,
}

impl UntrustedTlsTarget {
    fn start() -> UntrustedTlsTarget {
        let dir = TempDir::new("tls");
        let (cert, key) = (dir.0.join("cert.pem"), dir.0.join("key.pem"));
        let made = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
            ])
            .args([
                "-days",
                "1",
                "-subj",
                "/CN=web.test",
                "-addext",
                "subjectAltName=DNS:web.test",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl runs");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let port = closed_tcp_port();
        let server = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept", &format!("127.0.0.1:{port}")])
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        wait_for(10, "openssl s_server to listen", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok().map(drop)
        });
        UntrustedTlsTarget {
            port,
            server,
            _dir: dir,
        }
    }
}

impl Drop for UntrustedTlsTarget {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

#[test]
fn tls_is_started_for_the_name_and_an_untrusted_certificate_fails_the_check() {
    let (account, target) = (Account::register("tls"), UntrustedTlsTarget::start());
    let id = http_check(&account, &format!("https://web.test:{}/", target.port), json!({}));
    let check = account.wait_for_status(&id, "down");
    assert_eq!(
        check["error"],
        "TLS handshake with web.test failed (an expired or untrusted certificate, or one for another name, is the usual cause)"
    );
    let timings = &check["timings"];
    ms(timings, "dns_ms");
    ms(timings, "connect_ms");
    // The handshake failed, so neither it nor a first byte was timed.
    assert!(timings["tls_ms"].is_null() && timings["ttfb_ms"].is_null(), "{timings}");
}
