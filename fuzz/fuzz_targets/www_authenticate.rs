//! The WWW-Authenticate parser on arbitrary header values: no panic, and
//! an answer (`auth_request`) only for a header that parses.
#![no_main]

use ddigest::auth::challenge;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = challenge::parse(header);
    let request = challenge::auth_request(header);
    if request.is_ok() {
        assert!(parsed.is_ok(), "auth_request accepted what parse refused");
    }
});
