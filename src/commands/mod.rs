//! The commands, one module each: `main.rs` parses the flags and hands
//! them to one of these. None imports another; what they share lives below
//! them (`session`, `console`, `batch`, `pin`, `resolve`, `output`).

pub mod check;
pub mod ls;
pub mod manual;
pub mod pin;
pub mod resolve;
