//! State survives a restart of the local runtime (D1 and Durable Object
//! storage persisted on disk). Runs a server of its own.

use crate::{scratch_dir, Test};
use aero2_tests::{Client, Server, OPERATOR};

pub fn tests() -> Vec<Test> {
    vec![("state_survives_a_runtime_restart", state_survives_a_runtime_restart)]
}

fn state_survives_a_runtime_restart(_shared: &Client) {
    let mut server = Server::start(&scratch_dir("restart"));
    let c = server.client();
    let app = c.create_app("persisted");
    let id = app["id"].as_str().unwrap().to_owned();
    let sk = c.create_key(&id, "sk")["key"].as_str().unwrap().to_owned();
    let before = c.health("persisted").json();
    assert_eq!(before["durable_object"]["storage"]["health_checks"], 1);

    server.restart();
    let c = server.client();
    let after = c.health("persisted");
    after.assert_status(200);
    let after = after.json();
    assert_eq!(after["application"]["id"], id.as_str());
    assert_eq!(after["durable_object"]["id"], before["durable_object"]["id"]);
    assert_eq!(after["durable_object"]["storage"]["health_checks"], 2, "object storage persisted");
    c.api("GET", &format!("/applications/{id}"), &sk, None).assert_status(200);
    let apps = c.api("GET", "/applications", OPERATOR, None).json();
    let slugs: Vec<&str> = apps["applications"].as_array().unwrap().iter().filter_map(|a| a["slug"].as_str()).collect();
    assert_eq!(slugs, vec!["dashboard", "persisted"], "bootstrap stayed idempotent across restarts");
}
