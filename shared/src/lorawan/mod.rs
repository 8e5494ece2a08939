//! LoRaWAN frames (LoRaWAN 1.0.4 §4, 1.1 §4–6): zero-copy views for parsing and builders that
//! write into caller-provided buffers.

pub mod mac;
