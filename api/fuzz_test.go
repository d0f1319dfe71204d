package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"passerelle/extranet"
	"passerelle/wire"
)

// FuzzDecodeSnapshot drives the server's body path (strict decoding, then
// the service's checks) with arbitrary bytes. It must never panic; a refusal
// must be a well-formed 400; an accepted body must mean what encoding/json
// reads in it, and survive a round trip.
func FuzzDecodeSnapshot(f *testing.F) {
	for _, seed := range []string{
		`{"schoolYear": "2026-2027", "confirmDeactivations": 0,
		  "staff": [{"lastName": "Dupont", "firstName": "Jean", "birthDate": "1980-05-04",
		             "matricule": "18005040123", "email": "jean.dupont@ecole.be", "role": "Enseignant"}],
		  "keep": [{"lastName": "Martin", "firstName": "Luc", "birthDate": "1975-01-31", "matricule": ""}]}`,
		`{"schoolYear": "2026-2027", "staff": null, "keep": []}`,
		`{"schoolYear": 2026, "staff": [{"lastName": 1}, 3, null], "x": {}}`,
		`{"staff": [{"LastName": "é", "email": "\ud800"}], "confirmDeactivations": 1e3}`,
		`{"confirmDeactivations": -1}`,
		`[]`, `null`, ``, `{`, `{"a":1}{}`, "\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		snap, perr := decodeSnapshot(body)
		if perr != nil {
			p := perr.problem
			if p.Status != http.StatusBadRequest || p.Type != wire.TypeMalformedRequest || p.Detail == "" || p.Title == "" {
				t.Fatalf("refusal %+v", p)
			}
			if len(p.Errors) > maxListedErrors+1 {
				t.Fatalf("%d errors listed", len(p.Errors))
			}
			for _, fe := range p.Errors {
				if fe.Message == "" || fe.Index < -1 {
					t.Fatalf("error %+v", fe)
				}
				if fe.Index >= 0 && !strings.HasPrefix(fe.Field, "staff[") && !strings.HasPrefix(fe.Field, "keep[") {
					t.Fatalf("error %+v has an index but no list", fe)
				}
			}
			return
		}
		// What the strict decoder accepts, encoding/json reads the same.
		var std wire.Snapshot
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&std); err != nil {
			t.Fatalf("accepted a body that encoding/json refuses (%v): %q", err, body)
		}
		if !reflect.DeepEqual(normalize(std), normalize(snap)) {
			t.Fatalf("decoded %+v, encoding/json reads %+v", snap, std)
		}
		again, perr := decodeSnapshot(mustJSON(t, snap))
		if perr != nil || !reflect.DeepEqual(normalize(again), normalize(snap)) {
			t.Fatalf("round trip: %+v, %v", again, perr)
		}
		// The service's checks: every problem names a field and, for an
		// entry, an index within its list.
		for _, p := range extranet.ValidateSnapshot(snap) {
			if p.Field == "" || p.Message == "" {
				t.Fatalf("problem %+v", p)
			}
			n := -1
			switch {
			case strings.HasPrefix(p.Field, "staff["):
				n = len(snap.Staff)
			case strings.HasPrefix(p.Field, "keep["):
				n = len(snap.Keep)
			}
			if (n < 0 && p.Index != -1) || (n >= 0 && (p.Index < 0 || p.Index >= n)) {
				t.Fatalf("problem %+v: index out of its list", p)
			}
		}
	})
}

// normalize makes empty and nil lists equal.
func normalize(s wire.Snapshot) wire.Snapshot {
	if len(s.Staff) == 0 {
		s.Staff = nil
	}
	if len(s.Keep) == 0 {
		s.Keep = nil
	}
	return s
}

// TestDecodeSnapshotCapsErrors checks that a body of thousands of faulty
// entries gets a bounded answer that says how many were left out.
func TestDecodeSnapshotCapsErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"schoolYear": "2026-2027", "staff": [`)
	for i := range 500 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"lastName": 1}`)
	}
	b.WriteString(`]}`)
	_, perr := decodeSnapshot([]byte(b.String()))
	if perr == nil {
		t.Fatal("accepted")
	}
	errs := perr.problem.Errors
	if len(errs) != maxListedErrors+1 || !strings.Contains(errs[maxListedErrors].Message, "400 autres erreurs") {
		t.Fatalf("%d errors, last %+v", len(errs), errs[len(errs)-1])
	}
	if errs[0].Index != 0 || errs[1].Index != 1 || errs[99].Index != 99 {
		t.Errorf("errors not in entry order: %+v %+v %+v", errs[0], errs[1], errs[99])
	}
	if !strings.Contains(perr.problem.Detail, "500 erreurs") {
		t.Errorf("detail %q", perr.problem.Detail)
	}
}
