//! MAC commands (LoRaWAN 1.0.4 §5, 1.1 §5): placeholder.
