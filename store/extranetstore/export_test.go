package extranetstore

// Retryable is retryable, for the test that a wrapped driver error is still
// retried.
var Retryable = retryable
