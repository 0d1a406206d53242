//! Bundle validation (being implemented).
