/// The yardstick queries of the analytics benchmark (shared/bench/analytics/queries.sql),
/// copied so that tests do not read outside the package.
enum YardstickQueries {
    struct Query: Sendable {
        let name: String
        /// nil for the portable text.
        let variant: String?
        let text: String
    }

    static let all: [Query] = [
        Query(name: "q01_tenant_daily_30d", variant: nil, text: """
            SELECT started_at - started_at % 86400000 AS day_ms,
                   COUNT(*) AS conversations,
                   AVG(success_score) AS mean_success
            FROM conversations
            WHERE tenant_id = $tenant AND started_at >= $d30_ms AND started_at < $now_ms
            GROUP BY 1
            ORDER BY 1;
            """),
        Query(name: "q02_all_tenants_daily_30d", variant: nil, text: """
            SELECT tenant_id,
                   started_at - started_at % 86400000 AS day_ms,
                   COUNT(*) AS conversations,
                   AVG(success_score) AS mean_success
            FROM conversations
            WHERE started_at >= $d30_ms AND started_at < $now_ms
            GROUP BY 1, 2
            ORDER BY 1, 2;
            """),
        Query(name: "q03_top_patterns_global", variant: nil, text: """
            SELECT pattern_hash,
                   COUNT(*) AS sample_size,
                   AVG(CASE WHEN success_score >= 0.6 THEN 1.0 ELSE 0.0 END) AS success_rate,
                   AVG(success_score) AS mean_success,
                   AVG(CASE WHEN lead_generated THEN 1.0 ELSE 0.0 END) AS lead_rate
            FROM conversations
            GROUP BY pattern_hash
            HAVING COUNT(*) >= 50
            ORDER BY success_rate DESC, pattern_hash
            LIMIT 20;
            """),
        Query(name: "q04_top_patterns_tenant", variant: nil, text: """
            SELECT pattern_hash,
                   COUNT(*) AS sample_size,
                   AVG(CASE WHEN success_score >= 0.6 THEN 1.0 ELSE 0.0 END) AS success_rate,
                   AVG(success_score) AS mean_success,
                   AVG(CASE WHEN lead_generated THEN 1.0 ELSE 0.0 END) AS lead_rate
            FROM conversations
            WHERE tenant_id = $tenant
            GROUP BY pattern_hash
            HAVING COUNT(*) >= 50
            ORDER BY success_rate DESC, pattern_hash
            LIMIT 20;
            """),
        Query(name: "q05_lead_rate_channel_week", variant: nil, text: """
            SELECT started_at - (started_at + 259200000) % 604800000 AS week_ms,
                   channel,
                   COUNT(*) AS conversations,
                   SUM(CASE WHEN lead_generated THEN 1 ELSE 0 END) AS leads,
                   AVG(CASE WHEN lead_generated THEN 1.0 ELSE 0.0 END) AS lead_rate
            FROM conversations
            GROUP BY 1, 2
            ORDER BY 1, 2;
            """),
        Query(name: "q06_bot_latency_pctl_day", variant: nil, text: """
            WITH r AS (
              SELECT ts - ts % 86400000 AS day_ms,
                     latency_ms,
                     ROW_NUMBER() OVER (PARTITION BY ts - ts % 86400000 ORDER BY latency_ms) AS rn,
                     COUNT(*) OVER (PARTITION BY ts - ts % 86400000) AS cnt
              FROM events
              WHERE event_type = 'bot_message' AND ts >= $d30_ms AND ts < $now_ms
            )
            SELECT day_ms,
                   cnt AS bot_messages,
                   MIN(CASE WHEN rn >= 0.50 * cnt THEN latency_ms END) AS p50,
                   MIN(CASE WHEN rn >= 0.95 * cnt THEN latency_ms END) AS p95,
                   MIN(CASE WHEN rn >= 0.99 * cnt THEN latency_ms END) AS p99
            FROM r
            GROUP BY day_ms, cnt
            ORDER BY day_ms;
            """),
        Query(name: "q06_bot_latency_pctl_day", variant: "duckdb", text: """
            SELECT ts - ts % 86400000 AS day_ms,
                   COUNT(*) AS bot_messages,
                   quantile_disc(latency_ms, 0.50) AS p50,
                   quantile_disc(latency_ms, 0.95) AS p95,
                   quantile_disc(latency_ms, 0.99) AS p99
            FROM events
            WHERE event_type = 'bot_message' AND ts >= $d30_ms AND ts < $now_ms
            GROUP BY 1
            ORDER BY 1;
            """),
        Query(name: "q07_funnel_per_tenant_30d", variant: nil, text: """
            SELECT tenant_id,
                   COUNT(DISTINCT conversation_id) AS conversations,
                   SUM(CASE WHEN event_type = 'lead_captured' THEN 1 ELSE 0 END) AS leads,
                   SUM(CASE WHEN event_type = 'appointment_booked' THEN 1 ELSE 0 END) AS appointments
            FROM events
            WHERE ts >= $d30_ms AND ts < $now_ms
            GROUP BY tenant_id
            ORDER BY conversations DESC, tenant_id;
            """),
        Query(name: "q08_tenant_hourly_events_24h", variant: nil, text: """
            SELECT ts - ts % 3600000 AS hour_ms,
                   event_type,
                   COUNT(*) AS events
            FROM events
            WHERE tenant_id = $tenant AND ts >= $h24_ms AND ts < $now_ms
            GROUP BY 1, 2
            ORDER BY 1, 2;
            """),
        Query(name: "q09_platform_hourly_events_24h", variant: nil, text: """
            SELECT ts - ts % 3600000 AS hour_ms,
                   event_type,
                   COUNT(*) AS events
            FROM events
            WHERE ts >= $h24_ms AND ts < $now_ms
            GROUP BY 1, 2
            ORDER BY 1, 2;
            """),
        Query(name: "q10_conversation_events", variant: nil, text: """
            SELECT ts, event_type, latency_ms, tokens_in, tokens_out, rating
            FROM events
            WHERE tenant_id = $lookup_tenant AND conversation_id = $conv_id
            ORDER BY ts, event_type;
            """),
        Query(name: "q11_distinct_users_month", variant: nil, text: """
            SELECT tenant_id,
                   strftime(epoch_ms(started_at), '%Y-%m') AS month,
                   COUNT(DISTINCT user_profile_id) AS users
            FROM conversations
            GROUP BY 1, 2
            ORDER BY 1, 2;
            """),
        Query(name: "q11_distinct_users_month", variant: "sqlite", text: """
            SELECT tenant_id,
                   strftime('%Y-%m', started_at / 1000, 'unixepoch') AS month,
                   COUNT(DISTINCT user_profile_id) AS users
            FROM conversations
            GROUP BY 1, 2
            ORDER BY 1, 2;
            """),
        Query(name: "q11_distinct_users_month", variant: "polars", text: """
            SELECT tenant_id,
                   STRFTIME(CAST(started_at * 1000 AS TIMESTAMP), '%Y-%m') AS month,
                   COUNT(DISTINCT user_profile_id) AS users
            FROM conversations
            GROUP BY 1, 2
            ORDER BY 1, 2;
            """),
        Query(name: "q12_token_usage_per_tenant_30d", variant: nil, text: """
            SELECT tenant_id,
                   COUNT(*) AS bot_messages,
                   SUM(tokens_in) AS tokens_in,
                   SUM(tokens_out) AS tokens_out,
                   AVG(latency_ms) AS mean_latency_ms
            FROM events
            WHERE event_type = 'bot_message' AND ts >= $d30_ms AND ts < $now_ms
            GROUP BY tenant_id
            ORDER BY tokens_out DESC, tenant_id;
            """),
        Query(name: "q12_token_usage_per_tenant_30d", variant: "polars", text: """
            SELECT tenant_id,
                   COUNT(*) AS bot_messages,
                   SUM(CAST(tokens_in AS BIGINT)) AS tokens_in,
                   SUM(CAST(tokens_out AS BIGINT)) AS tokens_out,
                   AVG(latency_ms) AS mean_latency_ms
            FROM events
            WHERE event_type = 'bot_message' AND ts >= $d30_ms AND ts < $now_ms
            GROUP BY tenant_id
            ORDER BY tokens_out DESC, tenant_id;
            """),
        Query(name: "q13_recent_conversations", variant: nil, text: """
            SELECT conversation_id, started_at, duration_s, message_count, success_score,
                   lead_generated, appointment_booked, channel
            FROM conversations
            WHERE tenant_id = $tenant
            ORDER BY started_at DESC, conversation_id DESC
            LIMIT 50;
            """),
        Query(name: "q14_tenant_feedback_channel_30d", variant: nil, text: """
            SELECT channel,
                   SUM(CASE WHEN event_type = 'handoff_to_human' THEN 1 ELSE 0 END) AS handoffs,
                   COUNT(rating) AS ratings,
                   AVG(rating) AS mean_rating
            FROM events
            WHERE tenant_id = $tenant AND ts >= $d30_ms AND ts < $now_ms
            GROUP BY channel
            ORDER BY channel;
            """),
    ]
}
