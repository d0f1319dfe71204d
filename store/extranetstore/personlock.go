package extranetstore

import (
	"context"
	"hash/fnv"
	"slices"

	"passerelle/extranet"
	"passerelle/internal/errs"
)

// emailLockClass is the first key of the advisory locks on e-mail
// addresses (LockEmails).
const emailLockClass = 7215004

// LockEmails implements extranet.Tx: transaction advisory locks on the
// addresses, taken in one statement in a fixed order (PostgreSQL; SQLite
// has one writer). Two schools giving one new address to two people at
// once both found no holder and both accepted it; now the second waits,
// then finds the first's grant and rejects its entry.
func (x *tx) LockEmails(ctx context.Context, emails []string) (err error) {
	defer errs.Wrap(&err, "extranetstore: lock %d addresses", len(emails))
	if !x.pg() || len(emails) == 0 {
		return nil
	}
	ids := make([]int32, 0, len(emails))
	for _, e := range emails {
		ids = append(ids, personLockID("e:"+e))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	_, err = x.t.Exec(ctx, `SELECT pg_advisory_xact_lock(?, id) FROM unnest(?::integer[]) AS u(id)`, emailLockClass, ids)
	return err
}

// personLockClass is the first key of the advisory locks that guard the
// creation of persons; the night-run lock uses the one-key space, which does
// not overlap with the two-key one.
const personLockClass = 7215003

// awaitNewPersons makes transfers that would create the same person take
// turns (PostgreSQL only; SQLite has one writer).
//
// Two schools that send a new shared person at the same time both find no
// one, and both insert: the second insert waits for the first transaction,
// then fails on the unique matricule or identity key, and the whole
// transfer is run again. In the September rush, with a tenth of the staff
// in two schools and 32 transfers in flight, a fifth of the initial
// transfers were run twice, and some failed five times in a row and reached
// the school as an internal error (docs/benchmarks.md).
//
// Instead, the matricules and identity keys that found no one are locked
// (transaction advisory locks, taken in one statement in a fixed order, so
// that two transfers cannot deadlock on them) and looked up again: a
// transfer that waited for another one creating the same person now finds
// it. A re-sync finds everyone and takes no lock.
func (x *tx) awaitNewPersons(ctx context.Context, matricules, keys []string, found []extranet.Person) ([]extranet.Person, error) {
	have := make(map[string]bool, 2*len(found))
	for _, p := range found {
		if p.Matricule != "" {
			have["m:"+p.Matricule] = true
		}
		if p.IdentityKey != "" {
			have["k:"+p.IdentityKey] = true
		}
	}
	var missM, missK []string
	var ids []int32
	for _, m := range matricules {
		if !have["m:"+m] {
			missM = append(missM, m)
			ids = append(ids, personLockID("m:"+m))
		}
	}
	for _, k := range keys {
		if !have["k:"+k] {
			missK = append(missK, k)
			ids = append(ids, personLockID("k:"+k))
		}
	}
	if len(ids) == 0 {
		return found, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	// unnest yields the ids in the array's order, and each row's lock is
	// taken as the row is produced.
	if _, err := x.t.Exec(ctx, `SELECT pg_advisory_xact_lock(?, id) FROM unnest(?::integer[]) AS u(id)`, personLockClass, ids); err != nil {
		return nil, err
	}
	more, err := x.findPersons(ctx, missM, missK)
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(found))
	for _, p := range found {
		known[p.ID] = true
	}
	for _, p := range more {
		if !known[p.ID] {
			found = append(found, p)
		}
	}
	return found, nil
}

// personLockID hashes a matricule or identity key into the second key of
// an advisory lock. Two values with the same hash only make their transfers
// take turns.
func personLockID(s string) int32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int32(h.Sum32())
}
