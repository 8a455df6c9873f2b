//! Fault injection for the whole service: [`proxy::FaultProxy`] between the functions and
//! moto, the fake providers' fault rate, and [`day::Day`], a simulated clinic day.

pub mod day;
pub mod proxy;

pub use day::{Day, Outcome};
pub use proxy::FaultProxy;
