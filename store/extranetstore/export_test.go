package extranetstore

// Retryable is retryable, for the test that a wrapped driver error is still
// retried.
var Retryable = retryable

// CopiedRows is how many rows insertRows has written with COPY.
func CopiedRows() int64 { return copiedRows.Load() }
