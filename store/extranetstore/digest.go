package extranetstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"passerelle/extranet"
)

// Transfer digests (extranet.TransferDigest) let a school that sends the
// same snapshot again be answered without the snapshot being reconciled
// again. Their rule: a digest is deleted, in the transaction that writes,
// by every write that could change what re-sending the snapshot answers:
//
//   - a write of the school-year's grants (insert, update, deactivation,
//     expiry) — a transfer then saves the digest of what it applied;
//   - a changed person (new names, birth date or matricule): the schools
//     giving access to them (UpdatePersons does it);
//   - a new identity key among the persons, by a new person or a changed
//     one, when another person has it already: the schools giving access
//     to that one may now name two people. The caller knows when (a
//     transfer has looked the key up) and calls ForgetDigests, which
//     spares every transfer that creates people a query (and, on
//     PostgreSQL, meets the transfers saving digests on the key's lock;
//     see SaveDigest);
//   - an account that holds its address again (enabled by an operator or
//     the night run) or takes another: the schools whose live grants give
//     that address to someone else (UpdateAccounts).
//
// The night run's activations and applied modifications keep the digests:
// the values a snapshot is compared with (extranet.Grant.Target) stay the
// same. Tokens and the outbox play no part in reconciling. Some snapshots
// get no digest at all (extranet.resendDigest): those with rejected entries,
// with kept entries that name someone the school gives no access to (or
// could name a person the snapshot creates), those that taught the
// extranet a person's birth date or matricule, and those with a line
// recognised only by the names the school sent before a renaming, which no
// key lookup could find again.

// LockSchoolDigest implements extranet.Tx.
func (x *tx) LockSchoolDigest(ctx context.Context, fase int, bodyHash, idemKey string) (extranet.ResendState, error) {
	var st extranet.ResendState
	d := &st.Digest
	d.FASE, d.BodyHash = fase, bodyHash
	if x.pg() {
		// The lock first, in a statement of its own: a statement that
		// waits for a row lock reads the other tables as they were before
		// the wait, and the transaction it waited for may have deleted the
		// digest. SQLite's single writer has nothing to wait for.
		if _, err := x.LockSchool(ctx, fase); err != nil {
			return st, err
		}
	}
	var year, changes, created, idemHash, idemResult, idemCreated sql.NullString
	var live, unchanged sql.NullInt64
	err := x.t.QueryRow(ctx, `SELECT d.school_year, d.unchanged, d.changes, d.live_grants, d.created_at,
i.body_hash, i.result, i.created_at FROM schools s
LEFT JOIN transfer_digests d ON d.fase = s.fase AND d.body_hash = ?
LEFT JOIN idempotency i ON i.fase = s.fase AND i.idem_key = ?
WHERE s.fase = ?`, bodyHash, idemKey, fase).
		Scan(&year, &unchanged, &changes, &live, &created, &idemHash, &idemResult, &idemCreated)
	if err != nil {
		return st, notFound(err, fmt.Sprintf("FASE %d", fase), extranet.ErrUnknownSchool)
	}
	if idemHash.Valid && idemKey != "" {
		st.HasIdempotency = true
		st.Idempotency.Key, st.Idempotency.BodyHash = idemKey, idemHash.String
		if err := (tcol{&st.Idempotency.CreatedAt}).Scan(idemCreated.String); err != nil {
			return st, err
		}
		if err := json.Unmarshal([]byte(idemResult.String), &st.Idempotency.Result); err != nil {
			return st, fmt.Errorf("réponse enregistrée illisible pour la clé %q : %w", idemKey, err)
		}
	}
	if !year.Valid {
		return st, nil
	}
	st.HasDigest = true
	d.SchoolYear, d.LiveGrants, d.Unchanged = year.String, int(live.Int64), int(unchanged.Int64)
	if err := (tcol{&d.CreatedAt}).Scan(created.String); err != nil {
		return st, err
	}
	d.Changes = json.RawMessage(changes.String)
	if !json.Valid(d.Changes) {
		return st, fmt.Errorf("condensé de transfert illisible pour l'école %d", fase)
	}
	return st, nil
}

// SaveDigest implements extranet.Tx.
//
// On PostgreSQL, two transactions of different schools may commit side by
// side: one recognising a person by an identity key and saving its digest,
// the other giving that key to another person (a namesake) and deleting the
// digests of the schools that reach the first person — which cannot see the
// first transaction's uncommitted grant. They meet on advisory locks on the
// keys: ForgetDigests takes them exclusively before deleting; SaveDigest
// takes them shared, then counts again the persons with each key, and saves
// nothing if one appeared. Whichever comes second sees the other committed.
func (x *tx) SaveDigest(ctx context.Context, d extranet.TransferDigest) error {
	if x.pg() && len(d.KeyPersons) > 0 {
		stable, err := x.keysStable(ctx, d.KeyPersons)
		if err != nil {
			return err
		}
		if !stable {
			return x.ForgetDigest(ctx, d.FASE, d.SchoolYear)
		}
	}
	_, err := x.t.Exec(ctx, `INSERT INTO transfer_digests (fase, school_year, body_hash, unchanged, changes, live_grants, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fase, school_year) DO UPDATE SET body_hash = excluded.body_hash,
unchanged = excluded.unchanged, changes = excluded.changes, live_grants = excluded.live_grants, created_at = excluded.created_at`,
		d.FASE, d.SchoolYear, d.BodyHash, d.Unchanged, string(d.Changes), d.LiveGrants, ft(d.CreatedAt))
	return err
}

// ForgetDigest implements extranet.Tx.
func (x *tx) ForgetDigest(ctx context.Context, fase int, year string) error {
	_, err := x.t.Exec(ctx, `DELETE FROM transfer_digests WHERE fase = ? AND school_year = ?`, fase, year)
	return err
}

// ForgetDigests implements extranet.Tx.
func (x *tx) ForgetDigests(ctx context.Context, personIDs, keys []string) error {
	var nonEmpty []string
	for _, k := range keys {
		if k != "" {
			nonEmpty = append(nonEmpty, k)
		}
	}
	if x.pg() && len(nonEmpty) > 0 {
		// Held until commit: a transfer saving a digest that counts on one
		// of these keys waits, then sees this transaction's persons.
		if err := x.lockKeys(ctx, "pg_advisory_xact_lock", nonEmpty); err != nil {
			return err
		}
	}
	if err := x.forgetPersonDigests(ctx, personIDs); err != nil {
		return err
	}
	return x.forgetKeyDigests(ctx, nonEmpty)
}

// lockKeys takes the advisory locks of identity keys (those of
// awaitNewPersons), in one statement, in a fixed order.
func (x *tx) lockKeys(ctx context.Context, fn string, keys []string) error {
	ids := make([]int32, 0, len(keys))
	for _, k := range keys {
		ids = append(ids, personLockID("k:"+k))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	_, err := x.t.Exec(ctx, `SELECT `+fn+`(?, id) FROM unnest(?::integer[]) AS u(id)`, personLockClass, ids)
	return err
}

// keysStable takes the keys' locks shared and reports whether the persons
// with each key are still as many as the transfer knew.
func (x *tx) keysStable(ctx context.Context, known map[string]int) (bool, error) {
	keys := make([]string, 0, len(known))
	for k := range known {
		if k != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return true, nil
	}
	if err := x.lockKeys(ctx, "pg_advisory_xact_lock_shared", keys); err != nil {
		return false, err
	}
	stable := true
	rows, err := x.t.Query(ctx, `SELECT identity_key, count(*) FROM persons WHERE identity_key = ANY(?) GROUP BY identity_key`, keys)
	err = collect(rows, err, func(r *sql.Rows) error {
		var k string
		var n int
		if err := r.Scan(&k, &n); err != nil {
			return err
		}
		if n > known[k] {
			stable = false
		}
		return nil
	})
	return stable, err
}

// schoolYear is a school's school year: what a digest is of.
type schoolYear struct {
	fase int
	year string
}

// forgetSchoolYears deletes the digests of the school years.
func (x *tx) forgetSchoolYears(ctx context.Context, sys map[schoolYear]bool) error {
	for k := range sys {
		if err := x.ForgetDigest(ctx, k.fase, k.year); err != nil {
			return err
		}
	}
	return nil
}

// forgetGrantDigests deletes the digests of the school years of grants
// about to be written.
func (x *tx) forgetGrantDigests(ctx context.Context, gs []extranet.Grant) error {
	sys := map[schoolYear]bool{}
	for _, g := range gs {
		sys[schoolYear{g.FASE, g.SchoolYear}] = true
	}
	return x.forgetSchoolYears(ctx, sys)
}

// forgetGrantIDDigests deletes the digests of the school years of the
// grants with the given IDs.
func (x *tx) forgetGrantIDDigests(ctx context.Context, ids []string) error {
	return chunks(x.d, ids, func(part []string) error {
		cond, args := inList(x.d, "g.id", part)
		_, err := x.t.Exec(ctx, `DELETE FROM transfer_digests WHERE EXISTS (SELECT 1 FROM grants g
WHERE g.fase = transfer_digests.fase AND g.school_year = transfer_digests.school_year AND `+cond+`)`, args...)
		return err
	})
}

// forgetKeyDigests deletes the digests of every school that gives access to
// a person whose identity key is one of keys.
func (x *tx) forgetKeyDigests(ctx context.Context, keys []string) error {
	return chunks(x.d, keys, func(part []string) error {
		cond, args := inList(x.d, "p.identity_key", part)
		_, err := x.t.Exec(ctx, `DELETE FROM transfer_digests WHERE fase IN (SELECT g.fase FROM grants g
JOIN persons p ON p.id = g.person_id WHERE `+cond+`)`, args...)
		return err
	})
}

// forgetEmailDigests deletes the digests of the school years whose live
// grants give one of the accounts' addresses to another person: an account
// that holds its address (again) makes those entries "e-mail taken".
func (x *tx) forgetEmailDigests(ctx context.Context, as []extranet.Account) error {
	owner := map[string]string{}
	var emails []string
	for _, a := range as {
		if a.State == extranet.AccountDisabled || a.Email == "" {
			continue
		}
		if _, seen := owner[a.Email]; !seen {
			emails = append(emails, a.Email)
		}
		owner[a.Email] = a.PersonID
	}
	hit := map[schoolYear]bool{}
	// One query for the lot; almost always it finds only the accounts'
	// own grants.
	err := chunks(x.d, emails, func(part []string) error {
		g, gargs := inList(x.d, "email", part)
		pe, peargs := inList(x.d, "pending_email", part)
		rows, err := x.t.Query(ctx, `SELECT fase, school_year, email, person_id FROM grants WHERE `+g+` AND state IN ('pending', 'active')
UNION SELECT fase, school_year, pending_email, person_id FROM grants WHERE `+pe+` AND pending_email <> '' AND pending = 'modified'`,
			append(gargs, peargs...)...)
		return collect(rows, err, func(r *sql.Rows) error {
			var k schoolYear
			var email, person string
			if err := r.Scan(&k.fase, &k.year, &email, &person); err != nil {
				return err
			}
			if owner[email] != person {
				hit[k] = true
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	return x.forgetSchoolYears(ctx, hit)
}

// forgetPersonDigests deletes the digests of every school that gives access
// to one of the persons.
func (x *tx) forgetPersonDigests(ctx context.Context, ids []string) error {
	return chunks(x.d, ids, func(part []string) error {
		cond, args := inList(x.d, "person_id", part)
		_, err := x.t.Exec(ctx, `DELETE FROM transfer_digests WHERE fase IN (SELECT fase FROM grants WHERE `+cond+`)`, args...)
		return err
	})
}
