//! HTTP Invoke API endpoints (to be built: issue 4).
