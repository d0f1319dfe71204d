package extranetstore

// The rentrée: which schools sent a school year (migration
// 009_rentree_school_years.sql), the expiry of the ended year's grants once
// the school sent the new one, the accesses carried over meanwhile, and the
// grants a new access may continue. See docs/extranet.md, « La rentrée ».

import (
	"context"
	"database/sql"
	"time"

	"passerelle/extranet"
	"passerelle/fwb"
	"passerelle/internal/errs"
)

func (x *tx) MarkYearSent(ctx context.Context, fase int, schoolYear string) (err error) {
	defer errs.Wrap(&err, "extranetstore: mark year %s sent for school %d", schoolYear, fase)
	_, err = x.t.Exec(ctx, `INSERT INTO school_years_sent (fase, school_year, first_at) VALUES (?, ?, ?)
ON CONFLICT (school_year, fase) DO NOTHING`, fase, schoolYear, x.now())
	return err
}

func (x *tx) ExpireSentOver(ctx context.Context, ended, next string) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: expire grants sent over from %s to %s", ended, next)
	res, err := x.t.Exec(ctx, `UPDATE grants SET `+deactivateSet+`
WHERE school_year = ? AND (state = 'pending'
  OR (state = 'active' AND fase IN (SELECT fase FROM school_years_sent WHERE school_year = ?)))`,
		extranet.EndExpired, x.now(), x.now(), ended, next)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (x *tx) SCIMFedSchools(ctx context.Context, ended, next string, fase int) (_ []int, err error) {
	defer errs.Wrap(&err, "extranetstore: schools fed by scim in %s", ended)
	// The school's latest write of the ended year, operators' aside: SCIM's
	// (or the carry's of the rentrée before), not a snapshot's.
	rows, err := x.t.Query(ctx, `WITH latest AS (
  SELECT fase, actor FROM (
    SELECT fase, actor, ROW_NUMBER() OVER (PARTITION BY fase ORDER BY at DESC, id DESC) AS n
    FROM transfer_log
    WHERE school_year = ? AND outcome = 'applied' AND actor NOT LIKE 'operator:%' AND (? = 0 OR fase = ?)
  ) t WHERE n = 1
)
SELECT DISTINCT g.fase FROM grants g
JOIN scim_users u ON u.grant_id = g.id
JOIN latest l ON l.fase = g.fase
WHERE g.school_year = ? AND g.state IN ('pending', 'active') AND u.user_name <> '' AND u.deleted_at IS NULL
  AND (? = 0 OR g.fase = ?) AND (l.actor LIKE 'scim:%' OR l.actor = ?)
  AND NOT EXISTS (SELECT 1 FROM school_years_sent s WHERE s.fase = g.fase AND s.school_year = ?)
ORDER BY g.fase`, ended, fase, fase, ended, fase, fase, extranet.ActorRentree, next)
	var out []int
	err = collect(rows, err, func(r *sql.Rows) error {
		var fase int
		if err := r.Scan(&fase); err != nil {
			return err
		}
		out = append(out, fase)
		return nil
	})
	return out, err
}

func (x *tx) PriorGrants(ctx context.Context, personIDs, schoolYears []string) (_ []extranet.Grant, err error) {
	defer errs.Wrap(&err, "extranetstore: read prior grants of %d persons", len(personIDs))
	var out []extranet.Grant
	if len(schoolYears) == 0 {
		return nil, nil
	}
	years, yearArgs := inList(x.d, "g.school_year", schoolYears)
	err = chunks(x.d, personIDs, func(part []string) error {
		cond, args := inList(x.d, "g.person_id", part)
		rows, err := x.t.Query(ctx, `SELECT `+grantCols+` FROM grants g
WHERE `+cond+` AND `+years+` AND (g.state = 'active' OR g.end_reason = ?)`,
			append(append(args, yearArgs...), extranet.EndExpired)...)
		return collect(rows, err, func(r *sql.Rows) error {
			var g extranet.Grant
			if err := r.Scan(grantDest(&g)...); err != nil {
				return err
			}
			out = append(out, g)
			return nil
		})
	})
	return out, err
}

// CarriedOver implements extranet.Store.
func (s *Store) CarriedOver(ctx context.Context, ended, next string, fase int) (_ []extranet.CarriedSchool, err error) {
	defer errs.Wrap(&err, "extranetstore: read carry-over of school %d", fase)
	q := `SELECT g.fase, s.name, COUNT(*), SUM(CASE WHEN g.role = ? THEN 1 ELSE 0 END)
FROM grants g JOIN schools s ON s.fase = g.fase
WHERE g.school_year = ? AND g.state = 'active'
  AND g.fase NOT IN (SELECT fase FROM school_years_sent WHERE school_year = ?)`
	args := []any{string(fwb.RoleDirecteur), ended, next}
	if fase != 0 {
		q += ` AND g.fase = ?`
		args = append(args, fase)
	}
	q += ` GROUP BY g.fase, s.name ORDER BY g.fase`
	var out []extranet.CarriedSchool
	rows, err := s.db.Read().Query(ctx, q, args...)
	err = collect(rows, err, func(r *sql.Rows) error {
		c := extranet.CarriedSchool{SchoolYear: ended}
		if err := r.Scan(&c.FASE, &c.Name, &c.Grants, &c.Directors); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

func (x *tx) CarriedDirectors(ctx context.Context, ended, next string, since time.Time) (_ []extranet.CarriedDirector, err error) {
	defer errs.Wrap(&err, "extranetstore: read carried-over directors")
	var out []extranet.CarriedDirector
	rows, err := x.t.Query(ctx, `SELECT g.person_id, g.fase, s.name, g.last_name, g.first_name, a.email, a.login
FROM grants g
JOIN schools s ON s.fase = g.fase
JOIN accounts a ON a.person_id = g.person_id
WHERE g.school_year = ? AND g.state = 'active' AND g.role = ? AND a.state <> 'disabled'
  AND g.fase NOT IN (SELECT fase FROM school_years_sent WHERE school_year = ?)
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.person_id = g.person_id AND o.kind = ? AND o.created_at > ?)
ORDER BY g.person_id, g.fase`, ended, string(fwb.RoleDirecteur), next, extranet.MailGraceWarning, since)
	err = collect(rows, err, func(r *sql.Rows) error {
		var d extranet.CarriedDirector
		if err := r.Scan(&d.PersonID, &d.FASE, &d.SchoolName, &d.LastName, &d.FirstName, &d.Email, &d.Login); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	return out, err
}
