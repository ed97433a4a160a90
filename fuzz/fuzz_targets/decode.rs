//! MQTT messages into the decoder: `topic '\n' payload` (no newline: all payload, on a
//! registered sensor's topic), over the demo city. Never panics; every invariant of
//! `ioc::model::invariants` holds.
#![no_main]

use ioc::model::invariants::check_input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(why) = check_input(data) {
        panic!("decode invariant broken: {why}");
    }
});
