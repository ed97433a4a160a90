use std::sync::Arc;

use rumqttc::{AsyncClient, QoS};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Subscribes after every ConnAck. A broker that kept our session already has the subscription;
/// one that lost it (restarted without persistence) gets it back. Kept out of the event-loop
/// task because `subscribe` awaits space in the request channel that the event loop drains.
pub(super) async fn run(
    client: AsyncClient,
    filter: String,
    connected: Arc<Notify>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = connected.notified() => {}
        }
        match client.subscribe(filter.as_str(), QoS::AtLeastOnce).await {
            Ok(()) => tracing::info!(%filter, "subscribed"),
            Err(e) => tracing::warn!(%filter, error = %e, "subscribe request failed"),
        }
    }
}
