//! HTTP invoke client tests (below).
