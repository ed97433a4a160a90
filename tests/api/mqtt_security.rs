//! MQTT security with real brokers: ioc ingesting from Debian's Mosquitto over TLS (rustls)
//! with a private CA, a client certificate and a username/password from the environment; and
//! the embedded broker requiring credentials from publishers. Certificates are made here with
//! the openssl command line.

use std::path::Path;
use std::process::Command;

use crate::helpers::{add_mosquitto_user, eventually, spawn_app_with, BrokerKind, Mosquitto};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA.
fn make_pki(dir: &Path) {
    let days = ["-days", "2"];
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/CN=ioc test CA",
            days[0],
            days[1],
        ],
    );
    std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n").expect("ext");
    std::fs::write(dir.join("client.ext"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n").expect("ext");
    for (name, cn) in [("server", "127.0.0.1"), ("client", "ioc-ingest")] {
        let (key, csr, crt, ext) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.crt"),
            format!("{name}.ext"),
        );
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN={cn}"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &crt,
                "-extfile",
                &ext,
                days[0],
                days[1],
            ],
        );
    }
    add_mosquitto_user(dir, "ioc", "s3cret-ingest");
    // Mosquitto started as root reads these after dropping to its own user.
    for f in ["ca.crt", "server.crt", "server.key", "passwd"] {
        let _ = Command::new("chmod")
            .args(["a+r", &dir.join(f).display().to_string()])
            .status();
    }
    let _ = Command::new("chmod")
        .args(["a+rx", &dir.display().to_string()])
        .status();
}

fn mosquitto_pub(
    port: u16,
    pki: Option<&Path>,
    user: Option<(&str, &str)>,
    topic: &str,
    msg: &str,
) -> bool {
    let mut c = Command::new("mosquitto_pub");
    c.args([
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-q",
        "1",
        "-t",
        topic,
        "-m",
        msg,
    ]);
    if let Some(d) = pki {
        for (flag, f) in [
            ("--cafile", "ca.crt"),
            ("--cert", "client.crt"),
            ("--key", "client.key"),
        ] {
            c.arg(flag).arg(d.join(f));
        }
    }
    if let Some((u, p)) = user {
        c.args(["-u", u, "-P", p]);
    }
    c.output().is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_over_tls_with_a_client_certificate_and_a_password_from_the_environment() {
    let pki = tempfile::tempdir().expect("tempdir");
    make_pki(pki.path());
    let p = |f: &str| pki.path().join(f).display().to_string();
    let broker = Mosquitto::start_secured(&format!(
        "cafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate true\nallow_anonymous false\npassword_file {}\n",
        p("ca.crt"),
        p("server.crt"),
        p("server.key"),
        p("passwd")
    ));
    let url = format!("mqtts://127.0.0.1:{}", broker.port);
    let (ca, cert, key) = (p("ca.crt"), p("client.crt"), p("client.key"));
    let app = spawn_app_with(
        BrokerKind::External(broker.port),
        &[
            ("IOC__MQTT__URL", &url),
            ("IOC__MQTT__CA_PATH", &ca),
            ("IOC__MQTT__CLIENT_CERT_PATH", &cert),
            ("IOC__MQTT__CLIENT_KEY_PATH", &key),
            ("IOC__MQTT__USERNAME", "ioc"),
            ("IOC__MQTT__PASSWORD", "s3cret-ingest"),
        ],
    )
    .await; // returns once /readyz says the TLS session is up and subscribed
    let sent = mosquitto_pub(
        broker.port,
        Some(pki.path()),
        Some(("ioc", "s3cret-ingest")),
        "city/traffic/hai-chau/tl-0042",
        r#"{"vehicle_count": 7}"#,
    );
    assert!(
        sent,
        "a publisher with the client certificate and password gets through"
    );
    eventually("the reading arrives over TLS", || async {
        app.get("/api/v1/sensors/tl-0042").await.1["readings_received"] == 1
    })
    .await;
    assert!(
        !mosquitto_pub(
            broker.port,
            None,
            Some(("ioc", "s3cret-ingest")),
            "city/x/y/z",
            "{}"
        ),
        "plain TCP is refused by the TLS listener"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_broker_password_keeps_ioc_unready_with_the_reason() {
    let pki = tempfile::tempdir().expect("tempdir");
    make_pki(pki.path());
    let broker = Mosquitto::start_secured(&format!(
        "allow_anonymous false\npassword_file {}\n",
        pki.path().join("passwd").display()
    ));
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("tempdir"));
    let mut env = crate::helpers::test_env(&BrokerKind::External(broker.port));
    env.push((
        "IOC__STORE__PATH".into(),
        dir.path().join("ioc.db").display().to_string(),
    ));
    env.push(("IOC__MQTT__USERNAME".into(), "ioc".into()));
    env.push(("IOC__MQTT__PASSWORD".into(), "wrong".into()));
    let settings =
        ioc::config::load(&ioc::config::Overrides { file: None, env }).expect("settings");
    let app = ioc::Application::build(settings)
        .await
        .expect("starts; the broker is retried");
    let addr = app.http_addr();
    let stop = app.shutdown_token();
    let task = tokio::spawn(app.run_until_stopped());
    eventually("readyz names the refusal", || async {
        let Ok(res) = reqwest::get(format!("http://{addr}/readyz")).await else {
            return false;
        };
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        let error = body["checks"]["broker"]["error"]
            .as_str()
            .unwrap_or("")
            .to_lowercase();
        status == 503
            && (error.contains("auth") || error.contains("password") || error.contains("refused"))
    })
    .await;
    stop.cancel();
    let _ = task.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_broker_can_require_credentials() {
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[
            ("IOC__BROKER__USERNAME", "sensors"),
            ("IOC__BROKER__PASSWORD", "pub-s3cret"),
        ],
    )
    .await; // ingest itself logged in with its own credential, generated at start
    let topic = "city/traffic/hai-chau/tl-0042";
    assert!(
        !mosquitto_pub(app.mqtt_port, None, None, topic, r#"{"vehicle_count": 1}"#),
        "anonymous is refused"
    );
    assert!(
        !mosquitto_pub(
            app.mqtt_port,
            None,
            Some(("sensors", "nope")),
            topic,
            r#"{"vehicle_count": 1}"#
        ),
        "a wrong password is refused"
    );
    assert!(mosquitto_pub(
        app.mqtt_port,
        None,
        Some(("sensors", "pub-s3cret")),
        topic,
        r#"{"vehicle_count": 3}"#
    ));
    eventually("only the authenticated reading arrives", || async {
        let d = app.get("/api/v1/sensors/tl-0042").await.1;
        d["readings_received"] == 1 && d["latest"]["vehicle_count"]["value"] == 3.0
    })
    .await;
}
