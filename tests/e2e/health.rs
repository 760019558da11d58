use crate::support::Client;

#[test]
fn health_answers_ok_with_the_version_after_querying_d1() {
    let reply = Client::anonymous().get("/api/health");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "ok");
    assert_eq!(reply.body["version"], env!("CARGO_PKG_VERSION"));
}
