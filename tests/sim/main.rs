//! The gateway simulator driven over raw HTTP, with every request signature computed by the
//! `openssl` command line (the reference signer) and every answer's signature checked by it
//! over the raw node text. Nothing here uses the crate's own signing code.

mod encryption;
mod faults;
#[path = "../common/fetch.rs"]
mod fetch;
mod gateway;
mod passes;
mod readings;
mod settings;
mod strictness;
mod support;
mod templates;
mod vouchers;
