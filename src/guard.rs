//! Stop triggers: guard rules to decisions (pure).
