use std::sync::Arc;

use rumqttc::{AsyncClient, QoS};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Subscribes after every ConnAck. A broker that kept our session already has the subscription;
/// one that lost it (restarted without persistence) gets it back. Kept out of the event-loop
/// task because `subscribe` awaits space in the request channel that the event loop drains.
pub(super) async fn run(
    client: AsyncClient,
    filters: Vec<String>,
    connected: Arc<Notify>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = connected.notified() => {}
        }
        let each = filters
            .iter()
            .map(|f| rumqttc::SubscribeFilter::new(f.clone(), QoS::AtLeastOnce));
        match client.subscribe_many(each).await {
            Ok(()) => tracing::info!(filters = %filters.join(" "), "subscribed"),
            Err(e) => {
                tracing::warn!(filters = %filters.join(" "), error = %e, "subscribe request failed")
            }
        }
    }
}
