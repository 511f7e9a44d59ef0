//! Random ids (request ids, `sub`s, token ids, trace ids) from the thread's seeded generator:
//! `rand::rng()` is ChaCha seeded from the OS once per thread (and reseeded as it goes), so an
//! id costs no system call and is still unpredictable from one process to the next.

/// A random (version 4) UUID.
pub(crate) fn uuid_v4() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_version_4_and_differ() {
        let (a, b) = (super::uuid_v4(), super::uuid_v4());
        assert_eq!(a.get_version_num(), 4);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
        assert_ne!(a, b);
    }
}
