//! Helpers for the end-to-end tests: start a broker, spawn services, read topics.
