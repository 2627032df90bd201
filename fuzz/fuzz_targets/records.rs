//! The records each stage consumes, as they arrive from the broker: JSON
//! or protobuf (the first byte chooses the declared content type, or none
//! to sniff), decoded as an article, an article's entities or a tracked
//! claim. Nothing may panic; a record that decodes re-encodes to bytes
//! that decode and re-encode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stancewire_proto::v1;
use stancewire_stage::{codec, Record};

fn check<R: Record>(payload: &[u8], content_type: Option<&str>) {
    if let Ok(record) = codec::decode::<R>(payload, content_type) {
        let again = codec::encode(&record, codec::WireFormat::Protobuf);
        if again.is_empty() {
            // An all-default record encodes to nothing, which the codec
            // refuses as an empty payload (no producer sends one).
            return;
        }
        let back: R = codec::decode(&again, Some(codec::WireFormat::Protobuf.content_type()))
            .expect("a record's own encoding decodes");
        assert_eq!(codec::encode(&back, codec::WireFormat::Protobuf), again);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, payload)) = data.split_first() else {
        return;
    };
    let content_type = match kind % 3 {
        0 => None,
        1 => Some("application/json"),
        _ => Some("application/x-protobuf"),
    };
    match (kind / 3) % 3 {
        0 => check::<v1::Article>(payload, content_type),
        1 => check::<v1::ArticleEntities>(payload, content_type),
        _ => check::<v1::TrackedClaim>(payload, content_type),
    }
});
