#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub mod config;
pub mod frame;

pub use config::{Cli, ConfigError, ServerConfig};
