package school_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"passerelle/school"
)

func FuzzParseCSV(f *testing.F) {
	demo, err := os.ReadFile("demodata/demo.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(demo)
	f.Add([]byte("Nom;Prénom;Fonction principale\r\nLudo;Guy;IP\r\n"))
	f.Add([]byte("\xef\xbb\xbfNom,Prenom,Fonction,Charge,Actif\nWalter,Olaf,ME,\"ME 2/24, avec -2/24\",non\n"))
	f.Add([]byte("Nom\tPr\xe9nom\tFonction principale\tDate de d\xe9but\nG\xe9rard\tEve\tIM\t2026-08-31\n"))
	f.Add([]byte("Nom;Prénom;Fonction;Date de naissance;Numéro national\n'=x;\"a\"\"b\";D;29/02/2000;00.01.01-001.75\n"))
	f.Add([]byte("Nom;Prénom;Fonction\nLudo;\"Guy;IP\n"))
	f.Add([]byte(";;\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := school.ParseCSV(bytes.NewReader(data), nil, year)
		if err != nil {
			var ie *school.ImportError
			if !errors.As(err, &ie) || len(ie.Problems) == 0 {
				t.Fatalf("error %v is not an ImportError with problems", err)
			}
			for _, p := range ie.Problems {
				if p.Message == "" || p.Line < 0 {
					t.Fatalf("bad problem %+v", p)
				}
			}
			if rows != nil {
				t.Fatal("rows returned with an error")
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no rows and no error")
		}
		var stored []school.Row
		for i, r := range rows {
			if fe := school.ValidateRow(r.Row, nil); len(fe) > 0 {
				t.Fatalf("accepted row %d is invalid: %v (%+v)", r.Line, fe, r.Row)
			}
			if r.Line < 1 || (i > 0 && r.Line <= rows[i-1].Line) {
				t.Fatalf("line numbers %d after %d", r.Line, rows[max(i-1, 0)].Line)
			}
			s := r.Row
			s.Member.ID, s.Situation.ID, s.Situation.MemberID, s.Situation.FASE = int64(i+1), int64(i+1), int64(i+1), 5342
			stored = append(stored, s)
		}
		// What was accepted exports and imports back unchanged.
		var buf bytes.Buffer
		if err := school.WriteCSV(&buf, stored, nil); err != nil {
			t.Fatal(err)
		}
		back, err := school.ParseCSV(&buf, nil, year)
		if err != nil {
			t.Fatalf("export does not import back: %v\n%s", err, buf.String())
		}
		if plan := school.PlanImport(stored, back, 5342); plan.Created != 0 || plan.Updated != 0 {
			t.Fatalf("round trip changes rows: %+v", plan)
		}
	})
}
