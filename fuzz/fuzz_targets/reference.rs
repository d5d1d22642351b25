//! The reference parser on arbitrary text: no panic, and whatever parses
//! prints back to a string that parses to the same reference.
#![no_main]

use ddigest::reference::Reference;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Reference::parse_any(text);
    let _ = Reference::parse_docker_ref(text);
    if let Ok(reference) = Reference::parse(text) {
        let again = Reference::parse(&reference.to_string()).expect("printed form parses");
        assert_eq!(again, reference);
    }
    if let Ok(reference) = Reference::parse_normalized(text) {
        let printed = reference.to_string();
        let again = Reference::parse_normalized(&printed).expect("normalized form parses");
        assert_eq!(again, reference);
        let familiar = reference.familiar_string();
        let back = Reference::parse_normalized(&familiar).expect("familiar form parses");
        assert_eq!(back, reference);
        let _ = reference.tag_or_latest();
    }
});
