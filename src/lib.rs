//! gca: builds the Global Cybersecurity Agenda knowledge base (or any site
//! laid out the same way) into a static website with a prebuilt search index.
//!
//! The pipeline is `load -> render -> write`; see `ARCHITECTURE.md`.

pub mod check;
pub mod config;
pub mod content;
pub mod error;
pub mod markdown;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod slug;
pub mod templates;
