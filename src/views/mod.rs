//! Server-rendered HTML (maud templates).

pub mod status_page;
