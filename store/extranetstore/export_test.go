package extranetstore

import (
	"context"

	"passerelle/extranet"
)

// Retryable is retryable, for the test that a wrapped driver error is still
// retried.
var Retryable = retryable

// CopiedRows is how many rows insertRows has written with COPY.
func CopiedRows() int64 { return copiedRows.Load() }

// GrantUpdates returns, on PostgreSQL, how many rows of grants the
// transaction x has updated, and how many of them without index writes
// (heap-only tuples).
func GrantUpdates(ctx context.Context, x extranet.Tx) (updated, heapOnly int64, err error) {
	err = x.(*tx).t.QueryRow(ctx, `SELECT pg_stat_get_xact_tuples_updated('grants'::regclass),
pg_stat_get_xact_tuples_hot_updated('grants'::regclass)`).Scan(&updated, &heapOnly)
	return updated, heapOnly, err
}
