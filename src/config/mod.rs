//! Configuration: typed settings layered from the built-in defaults, an optional file and
//! `IOC__SECTION__KEY` environment variables, then validated as a whole.
//!
//! `config/default.toml` is compiled into the binary, so `ioc` runs from any directory with no
//! file at all; every key it documents can be overridden by a file given with `--config` or by
//! the environment.

mod error;
mod load;
mod settings;
mod validate;

pub use error::ConfigError;
pub use load::{load, load_city, Overrides};
pub use settings::{CitySettings, Settings};
