//! Wall-clock time. Records never carry it in their content (a repeat must
//! be byte-identical), so it goes only where an event is the point: a
//! message's `stancewire-produced-at` header, a dead letter's `failed_at`.

use time::{format_description::well_known::Rfc3339, OffsetDateTime};

/// The current time as a protobuf timestamp.
pub fn now() -> stancewire_proto::Timestamp {
    let t = OffsetDateTime::now_utc();
    stancewire_proto::timestamp(t.unix_timestamp(), t.nanosecond() as i32)
}

/// The current time in RFC 3339.
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}
