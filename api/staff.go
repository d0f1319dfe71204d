package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/wire"
)

// maxIdempotencyKey bounds the Idempotency-Key header; a UUID takes 36.
const maxIdempotencyKey = 128

// putStaff receives a school's snapshot: PUT /api/v1/schools/{fase}/staff.
func (s *Server) putStaff(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	res, perr := s.transfer(r)
	outcome := resultOutcome(res)
	if perr != nil {
		outcome = perr.outcome
	}
	s.metrics.transfers.WithLabelValues(outcome).Inc()
	if outcome != outcomeUnauthorized {
		s.metrics.transferDuration.Observe(time.Since(start).Seconds())
	}
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	if res.Changes == nil {
		// A list is a list, even empty: clients need not test for null.
		res.Changes = []wire.Change{}
	}
	// Not writeJSON: encoding/json would scan the answer again.
	body, err := res.AppendJSON(make([]byte, 0, 16<<10))
	if err != nil {
		s.fail(w, r, internalError(err))
		return
	}
	writeBody(w, "application/json", http.StatusOK, append(body, '\n'))
}

// transfer authenticates, reads and decodes the snapshot, and hands it to
// the service. The checks run in an order that tells a caller the first
// thing to fix: who it is, then what it asks, then what it sends.
func (s *Server) transfer(r *http.Request) (wire.TransferResult, *problemError) {
	var res wire.TransferResult
	fase, perr := s.authorize(r)
	if perr != nil {
		return res, perr
	}
	dryRun, perr := queryBool(r, "dryRun")
	if perr != nil {
		return res, perr
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey || !isVisibleASCII(key) {
		return res, malformed(fmt.Sprintf("En-tête Idempotency-Key non valide : une clé de 1 à %d caractères ASCII visibles (par exemple un UUID) est attendue.", maxIdempotencyKey),
			wire.FieldError{Index: -1, Field: "Idempotency-Key", Message: "clé d'idempotence non valide"})
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return res, newProblem(http.StatusUnsupportedMediaType, wire.TypeUnsupportedMediaType, "Type de contenu non accepté",
				"Envoyez l'instantané en JSON avec l'en-tête « Content-Type: application/json ».", outcomeMediaType)
		}
	}
	if !s.gate.enter(fase) {
		return res, busy()
	}
	defer s.gate.leave(fase)
	body, perr := s.readBody(r)
	if perr != nil {
		return res, perr
	}
	opt := extranet.TransferOptions{
		DryRun: dryRun,
		Actor:  fmt.Sprintf("api:%d", fase),
	}
	if !dryRun {
		sum := sha256.Sum256(body)
		opt.BodyHash = hex.EncodeToString(sum[:])
		// A dry run changes nothing, so it has nothing to protect; keeping
		// it out of the idempotency store also keeps a preview's answer from
		// ever being replayed for the real transfer under the same key.
		opt.IdempotencyKey = key
	}
	snap, perr := decodeSnapshot(body)
	if perr != nil {
		return res, perr
	}
	s.metrics.records.WithLabelValues("staff").Add(float64(len(snap.Staff)))
	s.metrics.records.WithLabelValues("keep").Add(float64(len(snap.Keep)))

	res, err := s.svc.Transfer(r.Context(), fase, snap, opt)
	if err != nil {
		return res, transferProblem(err)
	}
	if c := res.Counts; !res.DryRun && c.Created+c.Modified+c.Deactivated+c.Rejected+c.Renewed == 0 {
		// A re-sync: the school's staff as the extranet knows it already.
		s.metrics.resent.Inc()
	}
	return res, nil
}

// readBody reads the whole body within the size limit.
func (s *Server) readBody(r *http.Request) ([]byte, *problemError) {
	tooLarge := newProblem(http.StatusRequestEntityTooLarge, wire.TypeBodyTooLarge, "Instantané trop volumineux",
		fmt.Sprintf("L'instantané dépasse la taille admise (%s) : vérifiez qu'il ne contient que le personnel de l'établissement.", formatBytes(s.maxBody)),
		outcomeTooLarge)
	if r.ContentLength > s.maxBody {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		p := malformed("Le corps de la demande n'a pas pu être lu en entier : la connexion a été interrompue. Recommencez le transfert.")
		p.cause = err
		return nil, p
	}
	return body, nil
}

// transferProblem maps the service's errors to problems.
func transferProblem(err error) *problemError {
	var verr *extranet.ValidationError
	var held *extranet.HeldError
	switch {
	case errors.As(err, &verr):
		errs := fieldErrors(verr.Problems)
		p := newProblem(http.StatusUnprocessableEntity, wire.TypeInvalidSnapshot, "Instantané non valide",
			"L'instantané contient des erreurs ("+frtext.Plural(len(errs), "erreur", "erreurs")+", détail dans « errors ») : rien n'a été appliqué. Corrigez les données de l'école et recommencez le transfert.",
			outcomeInvalid)
		p.problem.Errors = capErrors(errs)
		return p
	case errors.As(err, &held):
		p := newProblem(http.StatusConflict, wire.TypeDeactivationThreshold, "Transfert suspendu : désactivations à confirmer",
			fmt.Sprintf("Ce transfert désactiverait %d accès : rien n'a été appliqué. Si ces départs sont réels, renvoyez le même instantané avec « confirmDeactivations »: %d.",
				held.Deactivations, held.Deactivations),
			outcomeHeld)
		p.problem.Deactivations = held.Deactivations
		p.problem.Changes = []wire.Change{}
		for _, c := range held.Result.Changes {
			if c.Action == wire.ActionDeactivated {
				p.problem.Changes = append(p.problem.Changes, c)
			}
		}
		return p
	case errors.Is(err, extranet.ErrIdempotencyConflict):
		return newProblem(http.StatusUnprocessableEntity, wire.TypeIdempotencyKeyReused, "Clé d'idempotence déjà utilisée",
			"Cette clé Idempotency-Key a déjà servi pour un autre instantané : utilisez une nouvelle clé pour chaque nouveau transfert, et la même seulement pour renvoyer le même.",
			outcomeIdemConflict)
	case errors.Is(err, extranet.ErrUnknownSchool):
		return unknownSchool()
	}
	return internalError(err)
}

func fieldErrors(ps []extranet.Problem) []wire.FieldError {
	errs := make([]wire.FieldError, 0, len(ps))
	for _, p := range ps {
		errs = append(errs, wire.FieldError{Index: p.Index, Field: p.Field, Message: p.Message})
	}
	return errs
}

func unknownSchool() *problemError {
	return newProblem(http.StatusNotFound, wire.TypeUnknownSchool, "Établissement inconnu",
		"Cet établissement n'est pas inscrit à l'extranet : demandez à l'opérateur de l'extranet de l'inscrire.",
		outcomeUnknownSchool)
}

// getStaff answers a school's grants: GET /api/v1/schools/{fase}/staff.
func (s *Server) getStaff(w http.ResponseWriter, r *http.Request) {
	fase, perr := s.authorize(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	grants, err := s.svc.Grants(r.Context(), fase, r.URL.Query().Get("schoolYear"))
	var verr *extranet.ValidationError
	switch {
	case errors.As(err, &verr):
		// The only input of a GET is its query: a fault there is a
		// malformed request, not an invalid document.
		s.fail(w, r, malformed("Paramètre schoolYear non valide : écrivez l'année scolaire sous la forme AAAA-AAAA, par exemple 2026-2027.",
			fieldErrors(verr.Problems)...))
		return
	case errors.Is(err, extranet.ErrUnknownSchool):
		s.fail(w, r, unknownSchool())
		return
	case err != nil:
		s.fail(w, r, internalError(err))
		return
	}
	if grants.Staff == nil {
		grants.Staff = []wire.GrantEntry{}
	}
	writeJSON(w, http.StatusOK, grants)
}

// fail answers a problem and logs the internal cause of a 5xx.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, p *problemError) {
	if p.problem.Status >= 500 && p.cause != nil {
		s.log.Error("request failed", "request_id", requestID(r.Context()), "err", p.cause)
	}
	writeProblem(w, r, p)
}

// queryBool reads an optional boolean query parameter.
func queryBool(r *http.Request, name string) (bool, *problemError) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, malformed(fmt.Sprintf("Paramètre %s non valide : écrivez %s=true ou %s=false.", name, name, name),
			wire.FieldError{Index: -1, Field: name, Message: "true ou false attendu"})
	}
	return b, nil
}

func isVisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// formatBytes writes a size in MiB or KiB, French style.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d Mio", n>>20)
	case n >= 1<<20:
		return strings.Replace(fmt.Sprintf("%.1f Mio", float64(n)/(1<<20)), ".", ",", 1)
	case n >= 1<<10:
		return fmt.Sprintf("%d Kio", n>>10)
	}
	return fmt.Sprintf("%d octets", n)
}
