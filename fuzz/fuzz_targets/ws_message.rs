//! WebSocket client messages (text, so the input is read as lossy UTF-8) into
//! `ioc::push::parse` under several stream limits. Never panics; every invariant of
//! `ioc::push::invariants` holds, whatever the set of ops.
#![no_main]

use ioc::push::invariants::check_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(why) = check_text(&String::from_utf8_lossy(data)) {
        panic!("ws_message invariant broken: {why}");
    }
});
