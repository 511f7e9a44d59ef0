//! Renderers of the scenario result stream, one per file: [`human`] (a streamed table, and
//! `replay`'s step-by-step account), [`json`] and [`junit`] (documents over the finished run).

pub mod human;
pub mod json;
pub mod junit;

pub use human::Human;
