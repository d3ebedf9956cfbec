#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub mod config;
mod driver;
mod flights;
pub mod frame;
mod previous;
mod server;
mod throttle;

pub use config::{Cli, ConfigError, ServerConfig};
pub use server::{Server, ServerError, startup_line};
