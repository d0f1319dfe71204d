package extranetstore

// What SCIM 2.0 provisioning stores beside the grants (docs/scim.md): the
// identity provider's externalId and the deletion mark of each grant
// written through SCIM, in scim_users; the guard's count of recent
// deactivations; one entry's rejection.

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/internal/errs"
	"passerelle/store"
)

var (
	_ extranet.SCIMStore = (*Store)(nil)
	_ extranet.SCIMTx    = (*tx)(nil)
)

// SCIMMeta implements extranet.SCIMStore.
func (s *Store) SCIMMeta(ctx context.Context, fase int) (_ map[string]extranet.SCIMMeta, err error) {
	defer errs.Wrap(&err, "extranetstore: read scim data of school %d", fase)
	return scimMeta(ctx, s.db.Read(), fase)
}

// SCIMMeta implements extranet.SCIMTx.
func (x *tx) SCIMMeta(ctx context.Context, fase int) (_ map[string]extranet.SCIMMeta, err error) {
	defer errs.Wrap(&err, "extranetstore: read scim data of school %d", fase)
	return scimMeta(ctx, x.t, fase)
}

func scimMeta(ctx context.Context, q store.Reader, fase int) (map[string]extranet.SCIMMeta, error) {
	out := map[string]extranet.SCIMMeta{}
	rows, err := q.Query(ctx, `SELECT grant_id, external_id, user_name, display_name, deleted_at, updated_at, generation, recreated_at, user_id FROM scim_users WHERE fase = ?`, fase)
	err = collect(rows, err, func(r *sql.Rows) error {
		var m extranet.SCIMMeta
		var id string
		if err := r.Scan(&id, &m.ExternalID, &m.UserName, &m.DisplayName, store.ScanTime(&m.DeletedAt), store.ScanTime(&m.UpdatedAt), &m.Generation, store.ScanTime(&m.RecreatedAt), &m.UserID); err != nil {
			return err
		}
		out[id] = m
		return nil
	})
	return out, err
}

// scimMetaUpsert stores or replaces the SCIM data of a grant.
const scimMetaUpsert = `INSERT INTO scim_users (grant_id, fase, external_id, user_name, display_name, deleted_at, updated_at, generation, recreated_at, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (grant_id) DO UPDATE SET external_id = excluded.external_id, user_name = excluded.user_name,
display_name = excluded.display_name, deleted_at = excluded.deleted_at, updated_at = excluded.updated_at, generation = excluded.generation,
recreated_at = excluded.recreated_at, user_id = excluded.user_id`

// SaveSCIMMeta implements extranet.SCIMTx.
func (x *tx) SaveSCIMMeta(ctx context.Context, fase int, grantID string, m extranet.SCIMMeta) (err error) {
	defer errs.Wrap(&err, "extranetstore: save scim data of grant %s", grantID)
	_, err = x.t.Exec(ctx, scimMetaUpsert, grantID, fase, m.ExternalID, m.UserName, m.DisplayName, m.DeletedAt, x.now(), m.Generation, m.RecreatedAt, m.UserID)
	return err
}

// RecentDeactivations implements extranet.SCIMTx.
func (x *tx) RecentDeactivations(ctx context.Context, fase int, schoolYear string, since time.Time) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: count recent deactivations of school %d", fase)
	var n int
	err = x.t.QueryRow(ctx, `SELECT COUNT(*) FROM grants WHERE fase = ? AND school_year = ? AND state = 'deactivated'
AND end_reason = ? AND since > ?`, fase, schoolYear, extranet.EndRemoved, since).Scan(&n)
	return n, err
}

// SaveEntryRejection implements extranet.SCIMTx.
func (x *tx) SaveEntryRejection(ctx context.Context, fase int, schoolYear, transferID, email string, r *extranet.Rejection) (err error) {
	defer errs.Wrap(&err, "extranetstore: save scim rejection for school %d", fase)
	now := x.now()
	_, err = x.t.Exec(ctx, `UPDATE rejections SET resolved_at = ? WHERE fase = ? AND school_year = ? AND email = ? AND resolved_at IS NULL`,
		now, fase, schoolYear, email)
	if err != nil || r == nil {
		return err
	}
	row := []any{extranet.NewID(), fase, schoolYear, r.Key, r.LastName, r.FirstName, r.BirthDate, r.Matricule,
		r.Email, r.Role, r.Reason, transferID, now, now}
	suffix := ` ON CONFLICT (fase, school_year, entry_key) DO UPDATE SET last_name = excluded.last_name,
first_name = excluded.first_name, birth_date = excluded.birth_date, matricule = excluded.matricule, email = excluded.email,
role = excluded.role, reason = excluded.reason, transfer_id = excluded.transfer_id, last_seen = excluded.last_seen, resolved_at = NULL`
	return insertRows(ctx, x.t, "rejections", rejectionColumns, [][]any{row}, suffix)
}

// ConfirmDeactivations implements extranet.SCIMTx.
func (x *tx) ConfirmDeactivations(ctx context.Context, fase, maxCount int, actor string) (err error) {
	defer errs.Wrap(&err, "extranetstore: confirm deactivations of school %d", fase)
	_, err = x.t.Exec(ctx, `INSERT INTO scim_confirmations (id, fase, max_count, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?, ?)`,
		extranet.NewID(), fase, maxCount, actor, x.now())
	return err
}

// ConfirmedDeactivations implements extranet.SCIMTx.
func (x *tx) ConfirmedDeactivations(ctx context.Context, fase int, since time.Time) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: count confirmed deactivations of school %d", fase)
	var n int
	err = x.t.QueryRow(ctx, `SELECT COALESCE(MAX(max_count), 0) FROM scim_confirmations WHERE fase = ? AND confirmed_at > ?`,
		fase, since).Scan(&n)
	return n, err
}

// scimQueries are the texts of lockSCIMGrantQuery and scimRelatedQuery by
// dialect, built once: a SCIM write runs both.
var scimQueries = [...]struct{ lockGrant, related string }{
	store.SQLite:   {lockSCIMGrantQuery(store.SQLite), scimRelatedQuery(store.SQLite)},
	store.Postgres: {lockSCIMGrantQuery(store.Postgres), scimRelatedQuery(store.Postgres)},
}

// lockSCIMGrantQuery locks a school's row, then reads one of its grants
// with its sent identity, person and SCIM data, locked: the school comes
// first, as for a transfer, so that the two never wait for each other the
// other way round. Every column is empty (the FASE 0) when the school has
// no such grant. On PostgreSQL, LockSCIMGrant has locked the school's row
// by a statement before it: this one does not wait.
func lockSCIMGrantQuery(d store.Dialect) string {
	lockSchool, lockGrant := "", ""
	if d == store.Postgres {
		lockSchool, lockGrant = " FOR NO KEY UPDATE", " FOR UPDATE OF g"
	}
	// personCols without its COALESCE: the outer one gives '' for NULL.
	inner := strings.Split(grantCols+", "+sentIdentityCols+", p.id, p.last_name, p.first_name, p.birth_date, p.matricule, "+
		"p.identity_key, p.created_at, p.updated_at, u.external_id, u.user_name, u.display_name, u.deleted_at, u.updated_at, u.generation, u.recreated_at, u.user_id", ", ")
	outer := make([]string, len(inner))
	for i := range inner {
		c := "x.c" + strconv.Itoa(i)
		switch {
		case i == 2, inner[i] == "u.generation": // g.fase, and the one integer of scim_users
			outer[i] = "COALESCE(" + c + ", 0)"
		case typedColumn(inner[i]):
			outer[i] = c // NULL scans as none
		default:
			outer[i] = "COALESCE(" + c + ", '')"
		}
		inner[i] += " AS c" + strconv.Itoa(i)
	}
	join := "LEFT JOIN (SELECT "
	if d == store.Postgres {
		join = "LEFT JOIN LATERAL (SELECT "
	}
	return `WITH s AS (SELECT fase FROM schools WHERE fase = ?` + lockSchool + `)
SELECT s.fase, ` + strings.Join(outer, ", ") + `
FROM s ` + join + strings.Join(inner, ", ") + `
  FROM grants g
  JOIN persons p ON p.id = g.person_id
  LEFT JOIN scim_users u ON u.grant_id = g.id
  WHERE g.id = ? AND g.fase = ? AND g.school_year = ?` + lockGrant + `
) x ON true`
}

// LockSCIMGrant implements extranet.Tx.
func (x *tx) LockSCIMGrant(ctx context.Context, fase int, year, id string) (_ extranet.GrantRecord, _ extranet.SCIMMeta, err error) {
	defer errs.Wrap(&err, "extranetstore: lock scim user %s of school %d", id, fase)
	var rec extranet.GrantRecord
	var m extranet.SCIMMeta
	var school int
	dest := append([]any{&school}, grantDest(&rec.Grant)...)
	dest = append(dest, store.ScanDateText(&rec.Grant.SentBirthDate), &rec.Grant.SentMatricule)
	dest = append(dest, personDest(&rec.Person)...)
	dest = append(dest, &m.ExternalID, &m.UserName, &m.DisplayName, store.ScanTime(&m.DeletedAt), store.ScanTime(&m.UpdatedAt), &m.Generation, store.ScanTime(&m.RecreatedAt), &m.UserID)
	if x.pg() {
		// The school's row first, by a statement of its own: a statement
		// that waits for a lock reads, once it has it, what was committed
		// before it began, except the rows it locks itself. The user's
		// person and SCIM data, read by the same statement after a write
		// of the same user, would be those before that write, and the
		// write's If-Match checked, and its changes kept, against them.
		if _, err := x.LockSchool(ctx, fase); err != nil {
			return rec, m, err
		}
	}
	err = x.t.QueryRow(ctx, scimQueries[x.d].lockGrant, fase, id, fase, year).Scan(dest...)
	if err != nil {
		return rec, m, notFound(err, fmt.Sprintf("FASE %d", fase), extranet.ErrUnknownSchool)
	}
	if rec.Grant.ID == "" {
		return rec, m, fmt.Errorf("accès %s : %w", id, extranet.ErrNotFound)
	}
	return rec, m, nil
}

// SCIMRelated implements extranet.Tx: on PostgreSQL, one statement for the
// locks when the write needs them, then one for the rest, whose rows say
// what they are by their first column (see scimRelatedQuery).
func (x *tx) SCIMRelated(ctx context.Context, q extranet.SCIMLookup) (_ extranet.SCIMRelated, err error) {
	defer errs.Wrap(&err, "extranetstore: read what a scim write of school %d needs", q.FASE)
	if q.LockSchool && !x.pg() {
		if _, err := x.LockSchool(ctx, q.FASE); err != nil {
			return extranet.SCIMRelated{}, err
		}
	}
	if err := x.scimLocks(ctx, q); err != nil {
		return extranet.SCIMRelated{}, err
	}
	out := extranet.SCIMRelated{Meta: map[string]extranet.SCIMMeta{}}
	named := 0
	if !isASCII(q.UserName) {
		named = 1
	}
	rows, err := x.t.Query(ctx, scimQueries[x.d].related,
		q.FASE, q.SchoolYear, // yg
		q.Matricule, q.Key, // found
		q.Birth, q.GrantID, q.GrantID, // d0
		q.Matricule, q.GrantID, // mats
		q.GrantID, q.Email, // l1
		q.FASE, q.UserName, named, // named, with a userName
		q.Email, q.Email, q.FASE, q.SchoolYear, q.Email, q.FASE, q.SchoolYear, // holders
		q.SchoolYear, q.GrantID, // named, with a userName
		q.UserName, named, q.GrantID, // named by their address
		q.FASE, q.SchoolYear, q.Email, // counts
	)
	err = collect(rows, err, func(r *sql.Rows) error {
		var kind string
		var rec extranet.GrantRecord
		var m extranet.SCIMMeta
		var live, open int
		dest := append([]any{&kind}, grantDest(&rec.Grant)...)
		dest = append(dest, store.ScanDateText(&rec.Grant.SentBirthDate), &rec.Grant.SentMatricule)
		dest = append(dest, personDest(&rec.Person)...)
		dest = append(dest, &m.ExternalID, &m.UserName, &m.DisplayName, store.ScanTime(&m.DeletedAt), store.ScanTime(&m.UpdatedAt), &m.Generation, store.ScanTime(&m.RecreatedAt), &m.UserID, &live, &open)
		if err := r.Scan(dest...); err != nil {
			return err
		}
		switch kind {
		case "g":
			out.Grants = append(out.Grants, rec)
			out.Meta[rec.Grant.ID] = m
		case "n":
			out.Named = append(out.Named, rec)
			out.Meta[rec.Grant.ID] = m
		case "p":
			out.Persons = append(out.Persons, rec.Person)
		case "h":
			// The holder's address and person, in the person's first
			// two columns.
			out.Holders = append(out.Holders, extranet.EmailHolder{Email: rec.Person.ID, PersonID: rec.Person.LastName})
		case "c":
			out.Live, out.OpenRejection = live, open > 0
		}
		return nil
	})
	return out, err
}

// scimLocks takes, on PostgreSQL, the school's row when asked, then the
// advisory locks LockEmails and FindPersons would take for one SCIM write,
// in their order (addresses, then persons; each sorted), in one statement.
func (x *tx) scimLocks(ctx context.Context, q extranet.SCIMLookup) error {
	if !x.pg() {
		return nil
	}
	classes, ids := []int32{}, []int32{}
	if q.LockEmail && q.Email != "" {
		classes, ids = append(classes, emailLockClass), append(ids, personLockID("e:"+q.Email))
	}
	if q.LockPersons {
		var ps []int32
		if q.Matricule != "" {
			ps = append(ps, personLockID("m:"+q.Matricule))
		}
		if q.Key != "" {
			ps = append(ps, personLockID("k:"+q.Key))
		}
		slices.Sort(ps)
		for _, id := range slices.Compact(ps) {
			classes, ids = append(classes, personLockClass), append(ids, id)
		}
	}
	switch {
	case q.LockSchool:
		// The school's row first (the CTE's row comes before the
		// subquery that refers to it runs), then the advisory locks.
		var n int
		err := x.t.QueryRow(ctx, `WITH s AS (SELECT fase FROM schools WHERE fase = ? FOR NO KEY UPDATE)
SELECT (SELECT COUNT(pg_advisory_xact_lock(c, id)) FROM unnest(?::integer[], ?::integer[]) AS u(c, id) WHERE s.fase IS NOT NULL) FROM s`,
			q.FASE, classes, ids).Scan(&n)
		return notFound(err, fmt.Sprintf("FASE %d", q.FASE), extranet.ErrUnknownSchool)
	case len(ids) == 0:
		return nil
	}
	// unnest yields the rows in the arrays' order, and each row's lock is
	// taken as the row is produced.
	_, err := x.t.Exec(ctx, `SELECT pg_advisory_xact_lock(c, id) FROM unnest(?::integer[], ?::integer[]) AS u(c, id)`, classes, ids)
	return err
}

// typedColumn reports whether a column of grantCols, sentIdentityCols,
// personCols or scim_users holds an instant or a date: NULL for none,
// which no text may stand for in a union or a COALESCE on PostgreSQL.
func typedColumn(col string) bool {
	_, name, _ := strings.Cut(col, ".")
	switch name {
	case "since", "pending_since", "created_at", "updated_at", "deleted_at", "recreated_at", "birth_date", "sent_birth_date":
		return true
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// scimRelatedQuery is SCIMRelated's statement. Its rows: 'g' the grants a
// write can touch (extranet.SCIMRelated.Grants: chosen by sent birth date,
// in two rounds, and by matricule), 'p' the persons found, 'h' the holders of the address, 'n'
// the grants whose userName may be the user's (compared in lower case for
// ASCII; any that has another character, or all when the user's has one,
// for strings.EqualFold to decide), and one 'c' row with the counts.
//
// The school-year's grants are read once (yg), and every other table is
// reached by its index from a few rows: on PostgreSQL, LATERAL … OFFSET 0
// and = ANY(ARRAY(…)) keep the planner from hashing a whole table, and a
// value that may be empty is compared through NULLIF (empty: NULL, which
// matches nothing), not guarded by a condition on the parameter, so that
// one generic plan serves every call instead of planning each one.
func scimRelatedQuery(d store.Dialect) string {
	lower, nonASCII := "lower(%s)", "length(CAST(%[1]s AS BLOB)) <> length(%[1]s)"
	lock, materialized, inD1 := "", "", "IN (SELECT b FROM d1)"
	foundCols := strings.Replace(personCols, "COALESCE(p.matricule, '')", "COALESCE(p.matricule, '') AS matricule", 1)
	// byID joins the grant whose id is col, as l.
	byID := func(col, lock string) string {
		return "JOIN grants l ON l.id = " + col
	}
	person := "JOIN persons p ON p.id = l.person_id"
	metaOf := func(g string) string { return "LEFT JOIN scim_users u ON u.grant_id = " + g + ".id" }
	if d == store.Postgres {
		lower, nonASCII = `lower(%s COLLATE "C")`, "octet_length(%[1]s) <> char_length(%[1]s)"
		lock, materialized, inD1 = " FOR UPDATE OF l", " MATERIALIZED", "= ANY(ARRAY(SELECT b FROM d1))"
		byID = func(col, lock string) string {
			return "CROSS JOIN LATERAL (SELECT * FROM grants l WHERE l.id = " + col + " OFFSET 0" + lock + ") l"
		}
		person = "CROSS JOIN LATERAL (SELECT * FROM persons p WHERE p.id = l.person_id OFFSET 0) p"
		metaOf = func(g string) string {
			return "LEFT JOIN LATERAL (SELECT * FROM scim_users u WHERE u.grant_id = " + g + ".id OFFSET 0) u ON true"
		}
	}
	sameName := func(col string) string {
		return "(" + fmt.Sprintf(lower, col) + " = " + fmt.Sprintf(lower, "CAST(? AS TEXT)") + " OR " + fmt.Sprintf(nonASCII, col) + " OR ? = 1)"
	}
	cols := func(alias string) string {
		return strings.ReplaceAll(grantCols+", "+sentIdentityCols, "g.", alias+".")
	}
	// Pads: '' for text, NULL for an instant or a date.
	grantPad := "'', '', 0, '', '', '', '', '', '', NULL, '', '', '', '', '', NULL, '', NULL, NULL, NULL, ''"
	personPad := "'', '', '', NULL, '', '', NULL, NULL"
	metaPad := "'', '', '', NULL, NULL, 0, NULL, ''"
	meta := "COALESCE(u.external_id, ''), COALESCE(u.user_name, ''), COALESCE(u.display_name, ''), u.deleted_at, u.updated_at, COALESCE(u.generation, 0), u.recreated_at, COALESCE(u.user_id, '')"
	// d0's first value: the birth date sent, as a date (NULL for none).
	birth := "NULLIF(CAST(? AS TEXT), '')"
	if d == store.Postgres {
		birth = "CAST(NULLIF(CAST(? AS TEXT), '') AS DATE)"
	}
	return `WITH yg AS (
  SELECT g.id, g.person_id, g.sent_birth_date, g.sent_matricule, g.state,
    CASE WHEN g.pending = 'modified' THEN g.pending_email ELSE g.email END AS target
  FROM grants g WHERE g.fase = ? AND g.school_year = ?
), found AS (
  SELECT ` + foundCols + ` FROM persons p WHERE p.matricule = NULLIF(?, '')
  UNION SELECT ` + foundCols + ` FROM persons p WHERE p.identity_key = NULLIF(?, '')
), d0 AS (
  SELECT ` + birth + ` AS b
  UNION SELECT birth_date FROM found
  UNION SELECT y.sent_birth_date FROM yg y WHERE y.id = ?
  UNION SELECT p.birth_date FROM persons p WHERE p.id = (SELECT y.person_id FROM yg y WHERE y.id = ?)
), mats AS (
  SELECT CAST(? AS TEXT) AS m
  UNION SELECT matricule FROM found
  UNION SELECT COALESCE(p.matricule, '') FROM persons p WHERE p.id = (SELECT y.person_id FROM yg y WHERE y.id = ?)
), l1 AS (
  SELECT y.id, y.sent_birth_date FROM yg y
  WHERE y.sent_birth_date IS NULL OR y.sent_birth_date IN (SELECT b FROM d0) OR y.id = ? OR y.person_id IN (SELECT id FROM found) OR y.target = NULLIF(?, '')
    OR (y.sent_matricule <> '' AND y.sent_matricule IN (SELECT m FROM mats))
), d1 AS (
  SELECT b FROM d0 UNION SELECT sent_birth_date FROM l1
), chosen AS (
  SELECT y.id FROM yg y WHERE y.sent_birth_date ` + inD1 + `
  UNION SELECT id FROM l1
), named AS` + materialized + ` (
  SELECT * FROM scim_users u WHERE u.fase = ? AND u.user_name <> '' AND ` + sameName("u.user_name") + `
), locked AS (
  SELECT ` + cols("l") + ` FROM chosen c ` + byID("c.id", lock) + `
)
SELECT 'g', ` + cols("l") + `, ` + personCols + `, ` + meta + `, 0, 0
FROM locked l ` + person + ` ` + metaOf("l") + `
UNION ALL
SELECT 'p', ` + grantPad + `, found.*, ` + metaPad + `, 0, 0 FROM found
UNION ALL
SELECT 'h', ` + grantPad + `, h.email, h.person_id, '', NULL, '', '', NULL, NULL, ` + metaPad + `, 0, 0 FROM (
  SELECT email, person_id FROM accounts WHERE email = NULLIF(?, '') AND state <> 'disabled'
  UNION SELECT email, person_id FROM grants WHERE email = NULLIF(?, '') AND state IN ('pending', 'active') AND NOT (fase = ? AND school_year = ?)
  UNION SELECT pending_email, person_id FROM grants WHERE pending_email = NULLIF(?, '') AND pending_email <> ''
    AND pending = 'modified' AND NOT (fase = ? AND school_year = ?)
) h
UNION ALL
SELECT 'n', ` + cols("l") + `, ` + personPad + `, ` + meta + `, 0, 0
FROM named u ` + byID("u.grant_id", "") + `
WHERE l.school_year = ? AND l.id <> ?
UNION ALL
SELECT 'n', ` + cols("l") + `, ` + personPad + `, ` + meta + `, 0, 0
FROM yg y ` + metaOf("y") + ` ` + byID("y.id", "") + `
WHERE ` + sameName("y.target") + ` AND y.id <> ? AND COALESCE(u.user_name, '') = ''
UNION ALL
SELECT 'c', ` + grantPad + `, ` + personPad + `, ` + metaPad + `,
  (SELECT COUNT(*) FROM yg WHERE state IN ('pending', 'active')),
  (SELECT COUNT(*) FROM rejections WHERE fase = ? AND school_year = ? AND email = NULLIF(?, '') AND resolved_at IS NULL)`
}

// ApplySCIMWrite implements extranet.Tx. On PostgreSQL the rows are one
// statement of data-modifying CTEs, one round trip where the methods one
// after the other took four to seven: a SCIM write writes a row or two per
// table, so each row is its own VALUES or UPDATE … WHERE id, whose plan
// does not depend on the values.
func (x *tx) ApplySCIMWrite(ctx context.Context, w extranet.SCIMWrite) (err error) {
	defer errs.Wrap(&err, "extranetstore: apply a scim write of school %d", w.FASE)
	if !x.pg() {
		return x.applySCIMWriteEach(ctx, w)
	}
	now := x.now()
	var parts []string
	var args []any
	add := func(query string, a ...any) {
		parts = append(parts, "w"+strconv.Itoa(len(parts))+" AS ("+query+" RETURNING 1)")
		args = append(args, a...)
	}
	values := func(table string, cols []column, row []any, suffix string) {
		names, marks := make([]string, len(cols)), make([]string, len(cols))
		for i, c := range cols {
			names[i], marks[i] = c.name, pgMark(c)
		}
		add("INSERT INTO "+table+" ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(marks, ", ")+")"+suffix, row...)
	}
	update := func(table string, cols []column, row []any) {
		sets := make([]string, 0, len(cols)-1)
		for _, c := range cols[1:] {
			sets = append(sets, c.name+" = "+pgMark(c))
		}
		add("UPDATE "+table+" SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(slices.Clone(row[1:]), row[0])...)
	}
	for _, p := range w.NewPersons {
		values("persons", personColumns, []any{p.ID, p.LastName, p.FirstName, p.BirthDate, p.Matricule, p.IdentityKey, p.CreatedAt, p.UpdatedAt}, "")
	}
	for _, p := range w.FillPersons {
		update("persons", personUpdateColumns, []any{p.ID, p.LastName, p.FirstName, p.BirthDate, p.Matricule, p.IdentityKey, now})
	}
	for _, g := range w.NewGrants {
		values("grants", grantColumns, []any{g.ID, g.PersonID, g.FASE, g.SchoolYear, g.Role, g.Email, g.LastName, g.FirstName,
			g.State, g.Since, g.Pending, g.Next.Role, g.Next.Email, g.Next.LastName, g.Next.FirstName,
			g.PendingSince, g.EndReason, g.CreatedAt, g.UpdatedAt, g.SentBirthDate, g.SentMatricule}, "")
	}
	for _, g := range w.UpdGrants {
		update("grants", grantUpdateColumns, []any{g.ID, g.Role, g.Email, g.LastName, g.FirstName, g.State, g.Since,
			g.Pending, g.Next.Role, g.Next.Email, g.Next.LastName, g.Next.FirstName, g.PendingSince,
			g.EndReason, g.UpdatedAt, g.SentBirthDate, g.SentMatricule})
	}
	for _, id := range w.Deactivate {
		add(`UPDATE grants SET `+deactivateSet+` WHERE id = ?`, extranet.EndRemoved, now, now, id)
	}
	if w.ResolveEmail != "" {
		add(`UPDATE rejections SET resolved_at = ? WHERE fase = ? AND school_year = ? AND email = ? AND resolved_at IS NULL`,
			now, w.FASE, w.SchoolYear, w.ResolveEmail)
	}
	for _, row := range matchRows(w.Matches) {
		values("identity_matches", matchColumns, row, "")
	}
	if w.MetaGrant != "" {
		m := w.Meta
		add(scimMetaUpsert, w.MetaGrant, w.FASE, m.ExternalID, m.UserName, m.DisplayName, m.DeletedAt, now, m.Generation, m.RecreatedAt, m.UserID)
	}
	r := w.Records
	for _, row := range auditRows(r.Audit) {
		values("audit", auditColumns, row, "")
	}
	if r.Journal != nil {
		q, a, err := journalInsert(*r.Journal)
		if err != nil {
			return err
		}
		add(q, a...)
	}
	if len(parts) == 0 {
		return nil
	}
	_, err = x.t.Exec(ctx, "WITH "+strings.Join(parts, ",\n")+"\nSELECT 1", args...)
	return err
}

// applySCIMWriteEach is ApplySCIMWrite one method after the other.
func (x *tx) applySCIMWriteEach(ctx context.Context, w extranet.SCIMWrite) error {
	steps := []func() error{
		func() error { return x.InsertPersons(ctx, w.NewPersons) },
		func() error { return x.UpdatePersons(ctx, w.FillPersons) },
		func() error { return x.InsertGrants(ctx, w.NewGrants) },
		func() error { return x.UpdateGrants(ctx, w.UpdGrants) },
		func() error { return x.DeactivateGrants(ctx, w.Deactivate, extranet.EndRemoved) },
		func() error {
			if w.ResolveEmail == "" {
				return nil
			}
			return x.SaveEntryRejection(ctx, w.FASE, w.SchoolYear, "", w.ResolveEmail, nil)
		},
		func() error { return x.InsertMatches(ctx, w.Matches) },
		func() error {
			if w.MetaGrant == "" {
				return nil
			}
			return x.SaveSCIMMeta(ctx, w.FASE, w.MetaGrant, w.Meta)
		},
		func() error { return x.RecordTransfer(ctx, w.Records) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// pgMark is the placeholder of a value of column c in a single-row
// statement on PostgreSQL: "" is NULL for a nullable text or a date, and a
// date's text is cast, since NULLIF's type would be text.
func pgMark(c column) string {
	switch c.kind {
	case colNullText:
		return "NULLIF(?, '')"
	case colDate:
		return "CAST(NULLIF(CAST(? AS TEXT), '') AS DATE)"
	}
	return "?"
}

// matchRows are identity matches as rows of matchColumns.
func matchRows(ms []extranet.IdentityMatch) [][]any {
	rows := make([][]any, len(ms))
	for i, m := range ms {
		others := make([]string, len(m.OtherFASEs))
		for j, f := range m.OtherFASEs {
			others[j] = strconv.Itoa(f)
		}
		rows[i] = []any{m.ID, m.FASE, m.SchoolYear, m.PersonID, m.GrantID, m.Strength, m.LastName, m.FirstName,
			strings.Join(others, " "), m.CreatedAt}
	}
	return rows
}

// SCIMKeyHolders implements extranet.Tx. On PostgreSQL the keys drive the
// query, through the persons' identity index, then the grants' unique index
// on (fase, school_year, person_id).
func (x *tx) SCIMKeyHolders(ctx context.Context, fase int, year string, keys []string) (_ []string, err error) {
	defer errs.Wrap(&err, "extranetstore: read the holders of %d keys at school %d", len(keys), fase)
	var out []string
	const live = `EXISTS (SELECT 1 FROM grants g WHERE g.person_id = p.id AND g.fase = ? AND g.school_year = ?
  AND g.state IN ('pending', 'active'))`
	err = chunks(x.d, keys, func(part []string) error {
		// Each lateral depends on the one before: the keys drive the
		// plan, whatever the planner estimates of the school's grants.
		query, args := `SELECT DISTINCT p.id FROM unnest(?::text[]) AS k(key)
CROSS JOIN LATERAL (SELECT p.id FROM persons p WHERE p.identity_key = k.key OFFSET 0) p
CROSS JOIN LATERAL (SELECT 1 FROM grants g WHERE g.person_id = p.id AND g.fase = ? AND g.school_year = ?
  AND g.state IN ('pending', 'active') LIMIT 1) g`, []any{part, fase, year}
		if !x.pg() {
			cond, a := inList(x.d, "p.identity_key", part)
			query, args = `SELECT DISTINCT p.id FROM persons p WHERE `+cond+` AND `+live, append(a, fase, year)
		}
		rows, err := x.t.Query(ctx, query, args...)
		return collectStrings(rows, err, &out)
	})
	return out, err
}

// SCIMUserGrant implements extranet.SCIMTx.
func (x *tx) SCIMUserGrant(ctx context.Context, fase int, year, userID string) (_ string, err error) {
	defer errs.Wrap(&err, "extranetstore: find the grant of scim user %s of school %d", userID, fase)
	var id string
	err = x.t.QueryRow(ctx, `SELECT g.id FROM scim_users u JOIN grants g ON g.id = u.grant_id
WHERE u.fase = ? AND u.user_id = ? AND g.school_year = ?`, fase, userID, year).Scan(&id)
	return id, notFound(err, "utilisateur SCIM "+userID, extranet.ErrNotFound)
}
