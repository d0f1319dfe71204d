package extranet

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A result with RawChanges encodes exactly as the same result with Changes.
func TestTransferResultRawChanges(t *testing.T) {
	changes := []Change{
		{Action: ActionUnchanged, LastName: "Émile", FirstName: "Zoé", Role: "Enseignant", Email: "zoe@ecole.be"},
		{Action: ActionUnchanged, LastName: "D'Hoore", FirstName: "Luc \"le grand\"", Role: "Directeur", Email: "luc@ecole.be"},
	}
	r := TransferResult{TransferID: "t1", SchoolYear: "2026-2027", EffectiveAt: time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC),
		Counts: Counts{Unchanged: 2}, Changes: changes}
	plain, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(changes)
	r.Changes, r.RawChanges = nil, raw
	viaRaw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != string(viaRaw) {
		t.Fatalf("with Changes:\n%s\nwith RawChanges:\n%s", plain, viaRaw)
	}
	var back TransferResult
	if err := json.Unmarshal(viaRaw, &back); err != nil || len(back.Changes) != 2 || back.Changes[1].FirstName != `Luc "le grand"` || back.RawChanges != nil {
		t.Fatalf("decoded %+v, %v", back, err)
	}
	// Empty lists stay lists.
	r.RawChanges = json.RawMessage("[]")
	if b, _ := json.Marshal(r); !json.Valid(b) || !strings.HasSuffix(string(b), `"changes":[]}`) {
		t.Fatalf("empty: %s", b)
	}
}
