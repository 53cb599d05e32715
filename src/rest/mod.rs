//! The REST (JSON) wire format.

pub mod form;
