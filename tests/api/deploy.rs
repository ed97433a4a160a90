//! What `deploy/` ships, checked with the real tools that can run here: the topology against
//! the city, the HAProxy configuration with Debian's HAProxy, the compose file with Debian's
//! docker-compose (no Docker daemon needed to parse it). Starting the compose file needs a
//! Docker daemon and images from the network, which this machine lacks (deploy/README.md).

use std::process::Command;

fn root(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} ({e}); run scripts/test.sh, which installs it")
    });
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn the_shipped_topology_covers_the_demo_city_with_two_replicas_per_partition() {
    let (ok, out) = run(Command::new(env!("CARGO_BIN_EXE_ioc"))
        .env_remove("IOC__CITY__PATH")
        .args(["check-topology", &root("deploy/topology.toml")]));
    assert!(ok, "{out}");
    assert!(out.contains("2 partitions, 4 nodes"), "{out}");
    assert!(
        !out.contains("warning"),
        "every partition has a second replica: {out}"
    );
    assert!(out.contains("IOC__CLUSTER__NODE_ID=south-2"), "{out}");
}

#[test]
fn a_topology_leaving_a_district_unowned_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("dir");
    let text = std::fs::read_to_string(root("deploy/topology.toml")).expect("topology");
    let path = dir.path().join("t.toml");
    std::fs::write(&path, text.replace("\"hoa-xuan\"", "")).expect("write");
    let (ok, out) = run(Command::new(env!("CARGO_BIN_EXE_ioc"))
        .arg("check-topology")
        .arg(&path));
    assert!(!ok);
    assert!(out.contains("no partition owns hoa-xuan"), "{out}");
}

#[test]
fn haproxy_accepts_the_shipped_configuration() {
    let (ok, out) = run(Command::new(haproxy()).args(["-c", "-f", &root("deploy/haproxy.cfg")]));
    assert!(ok && out.contains("Configuration file is valid"), "{out}");
}

#[test]
fn docker_compose_parses_the_shipped_compose_file() {
    let (ok, out) = run(Command::new("docker-compose")
        .env("IOC_JWT_SECRET", "a-test-secret-of-at-least-32-bytes-long")
        .args(["-f", &root("deploy/compose.yaml"), "config", "--services"]));
    assert!(ok, "{out}");
    for service in [
        "emqx1", "emqx2", "vminsert", "vmselect", "north-1", "south-2", "haproxy",
    ] {
        assert!(
            out.lines().any(|l| l == service),
            "{service} missing: {out}"
        );
    }
}

pub(crate) fn haproxy() -> &'static str {
    ["/usr/sbin/haproxy", "/usr/bin/haproxy"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("haproxy")
}
