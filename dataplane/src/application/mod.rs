//! Application Server path: what an application sees of its devices' traffic.

pub mod event;
