//! The webhook outbox's two statements, spliced into every checked statement that announces
//! what it writes (a settlement, a campaign's end), so the events commit with the change.

/// `sqlx::query_scalar!` over `$head`, the outbox's CTEs (`w`: the events, `d`: their
/// deliveries) and `$tail`. `$source` is a query of (id, app_id, type, payload) rows; only
/// the events some enabled endpoint of their app subscribes to are kept. `$head` ends where
/// a CTE may begin ("WITH …, "), and `$tail` is the statement's own query.
macro_rules! with_outbox {
    ($head:literal, $source:literal, $tail:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_scalar!(
            $head + "w AS (INSERT INTO webhook_events (id, app_id, type, payload)
                 SELECT u.id, u.app_id, u.type, u.payload FROM (" + $source + ") AS u
                 WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.enabled
                     AND e.app_id = u.app_id AND u.type = ANY(e.event_types))
                 RETURNING id, app_id, type),
             d AS (INSERT INTO webhook_deliveries (event_id, endpoint_id) SELECT w.id, e.id FROM w
                 JOIN webhook_endpoints e ON e.enabled AND e.app_id = w.app_id
                     AND w.type = ANY(e.event_types)) " + $tail
            $(, $arg)*
        )
    };
}
