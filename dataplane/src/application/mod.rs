//! Application Server path: what an application sees of its devices' traffic, and the pushes
//! of its downlinks into the owner core's queue.

pub mod event;
pub mod queue;
