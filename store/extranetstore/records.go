package extranetstore

import (
	"context"
	"encoding/json"
	"strings"

	"passerelle/extranet"
	"passerelle/internal/errs"
	"passerelle/store"
	"passerelle/wire"
)

// RecordTransfer implements extranet.Tx. On PostgreSQL the records are one
// statement of data-modifying CTEs, one round trip where the methods one
// after the other took five and one more for each identity match's audit
// entry; on SQLite, whose statements cost no round trip, it calls them.
func (x *tx) RecordTransfer(ctx context.Context, r extranet.TransferRecords) (err error) {
	defer errs.Wrap(&err, "extranetstore: record transfer of school %d", r.FASE)
	if !x.pg() {
		return x.recordTransferEach(ctx, r)
	}
	var parts []string
	var args []any
	add := func(name, query string, a ...any) {
		parts = append(parts, name+" AS ("+query+" RETURNING 1)")
		args = append(args, a...)
	}
	if r.SaveRejections {
		keys, rows := x.rejectionRows(r.FASE, r.SchoolYear, r.TransferID, r.Rejections)
		if keys == nil {
			keys = []string{}
		}
		// The resolved ones and the ones seen again are other rows: one
		// statement may write both.
		add("resolved", `UPDATE rejections SET resolved_at = ? WHERE fase = ? AND school_year = ? AND resolved_at IS NULL
AND NOT (entry_key = ANY(?::text[]))`, x.now(), r.FASE, r.SchoolYear, keys)
		if len(rows) > 0 {
			q, a := pgInsert("rejections", rejectionColumns, rows, rejectionUpsert)
			add("seen", q, a...)
		}
	}
	if r.MarkSent {
		add("sent", `INSERT INTO school_years_sent (fase, school_year, first_at) VALUES (?, ?, ?)
ON CONFLICT (school_year, fase) DO NOTHING`, r.FASE, r.SchoolYear, x.now())
	}
	if r.Idempotency.Key != "" {
		q, a, err := idempotencyInsert(r.FASE, r.Idempotency)
		if err != nil {
			return err
		}
		add("idem", q, a...)
	}
	if len(r.Audit) > 0 {
		q, a := pgInsert("audit", auditColumns, auditRows(r.Audit), "")
		add("audited", q, a...)
	}
	if r.Journal != nil {
		q, a, err := journalInsert(*r.Journal)
		if err != nil {
			return err
		}
		add("journal", q, a...)
	}
	if len(parts) == 0 {
		return nil
	}
	_, err = x.t.Exec(ctx, "WITH "+strings.Join(parts, ",\n")+"\nSELECT 1", args...)
	return err
}

// recordTransferEach is RecordTransfer one record after the other.
func (x *tx) recordTransferEach(ctx context.Context, r extranet.TransferRecords) error {
	if r.SaveRejections {
		if err := x.SaveRejections(ctx, r.FASE, r.SchoolYear, r.TransferID, r.Rejections); err != nil {
			return err
		}
	}
	if r.MarkSent {
		if err := x.MarkYearSent(ctx, r.FASE, r.SchoolYear); err != nil {
			return err
		}
	}
	if r.Idempotency.Key != "" {
		if err := x.SaveIdempotency(ctx, r.FASE, r.Idempotency); err != nil {
			return err
		}
	}
	if err := insertRows(ctx, x.t, "audit", auditColumns, auditRows(r.Audit), ""); err != nil {
		return err
	}
	if r.Journal != nil {
		return x.SaveTransferRecord(ctx, *r.Journal)
	}
	return nil
}

var auditColumns = []column{
	{"id", colText}, {"at", colTime}, {"action", colText}, {"actor", colText}, {"fase", colInt}, {"detail", colText},
}

// auditRows are audit entries as rows of auditColumns, with AddAudit's
// defaults.
func auditRows(es []extranet.AuditEntry) [][]any {
	rows := make([][]any, len(es))
	for i, e := range es {
		if e.ID == "" {
			e.ID = extranet.NewID()
		}
		if e.Detail == "" {
			e.Detail = "{}"
		}
		rows[i] = []any{e.ID, e.At, e.Action, e.Actor, e.FASE, e.Detail}
	}
	return rows
}

// idempotencyInsert is SaveIdempotency's statement.
func idempotencyInsert(fase int, rec extranet.Idempotency) (string, []any, error) {
	result, err := rec.Result.AppendJSON(nil)
	if err != nil {
		return "", nil, err
	}
	return `INSERT INTO idempotency (fase, idem_key, body_hash, result, created_at) VALUES (?, ?, ?, ?, ?)`,
		[]any{fase, rec.Key, rec.BodyHash, string(result), rec.CreatedAt}, nil
}

// journalInsert is SaveTransferRecord's statement.
func journalInsert(r extranet.TransferRecord) (string, []any, error) {
	counts, err := json.Marshal(r.Counts)
	if err != nil {
		return "", nil, err
	}
	changes := r.Changes
	if changes == nil {
		changes = []wire.Change{}
	}
	ch, err := json.Marshal(changes)
	if err != nil {
		return "", nil, err
	}
	return `INSERT INTO transfer_log (id, fase, school_year, at, actor, outcome, counts, deactivations, live_grants, changes)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []any{r.ID, r.FASE, r.SchoolYear, r.At, r.Actor, r.Outcome, string(counts),
			r.Deactivations, r.LiveGrants, string(ch)}, nil
}

// queryExec runs a statement built by one of the functions above.
func queryExec(ctx context.Context, q store.Querier, query string, args []any, err error) error {
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, query, args...)
	return err
}
