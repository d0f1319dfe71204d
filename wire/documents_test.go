package wire

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// AppendJSON appends the result's JSON to what b holds, and it decodes back.
func TestTransferResultAppendJSON(t *testing.T) {
	changes := []Change{
		{Action: ActionUnchanged, LastName: "Émile", FirstName: "Zoé", Role: "Enseignant", Email: "zoe@ecole.be"},
		{Action: ActionUnchanged, LastName: "D'Hoore", FirstName: "Luc \"le grand\"", Role: "Directeur", Email: "luc@ecole.be"},
	}
	r := TransferResult{TransferID: "t1", SchoolYear: "2026-2027", EffectiveAt: time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC),
		Counts: Counts{Unchanged: 2}, Changes: changes}
	b, err := r.AppendJSON([]byte("x"))
	if err != nil || !strings.HasPrefix(string(b), "x{") {
		t.Fatalf("AppendJSON = %s, %v", b, err)
	}
	var back TransferResult
	if err := json.Unmarshal(b[1:], &back); err != nil || len(back.Changes) != 2 || back.Changes[1].FirstName != `Luc "le grand"` {
		t.Fatalf("decoded %+v, %v", back, err)
	}
}
