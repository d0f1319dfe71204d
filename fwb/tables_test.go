package fwb

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestDefaultFunctions(t *testing.T) {
	tables := DefaultTables()
	for _, test := range []struct {
		code    string
		want    Function
		display string
	}{
		{"IP", Function{"IP", "Instituteur primaire", 24, UnitPeriods, RoleEnseignant, false, true}, "IP (Instituteur primaire)"},
		{"im", Function{"IM", "Instituteur maternel", 26, UnitPeriods, RoleEnseignant, false, true}, "IM (Instituteur maternel)"},
		{"ME", Function{"ME", "Maître d'éducation physique", 24, UnitPeriods, RoleEnseignant, false, true}, "ME (Maître d'éducation physique)"},
		{" D ", Function{"D", "Directeur", 24, UnitPeriods, RoleDirecteur, true, false}, "D (Directeur)"},
		{"DC", Function{"DC", "Directeur avec classe", 24, UnitPeriods, RoleDirecteur, true, true}, "DC (Directeur avec classe)"},
		{"MPC", Function{"MPC", "Maître de philosophie et citoyenneté", 24, UnitPeriods, RoleEnseignant, false, true}, "MPC (Maître de philosophie et citoyenneté)"},
		{"PU", Function{"PU", "Puériculteur", 36, UnitHours, RoleNone, false, false}, "PU (Puériculteur)"},
		{"prof-i", Function{"PROF-I", "Professeur (degré inférieur)", 22, UnitPeriods, RoleEnseignant, false, true}, "PROF-I (Professeur (degré inférieur))"},
		{"PROF-S", Function{"PROF-S", "Professeur (degré supérieur)", 20, UnitPeriods, RoleEnseignant, false, true}, "PROF-S (Professeur (degré supérieur))"},
	} {
		t.Run(test.code, func(t *testing.T) {
			f, ok := tables.Function(test.code)
			if !ok {
				t.Fatalf("Function(%q) not found", test.code)
			}
			if f != test.want {
				t.Errorf("Function(%q) = %+v, want %+v", test.code, f, test.want)
			}
			if f.Display() != test.display {
				t.Errorf("Display() = %q, want %q", f.Display(), test.display)
			}
		})
	}
	if _, ok := tables.Function("XX"); ok {
		t.Error("Function(XX) found")
	}
	fs := tables.Functions()
	if len(fs) != 17 {
		t.Errorf("Functions() has %d functions, want 17", len(fs))
	}
	if !slices.IsSortedFunc(fs, func(a, b Function) int { return strings.Compare(a.Code, b.Code) }) {
		t.Errorf("Functions() not sorted by code")
	}
}

func TestDefaultSituations(t *testing.T) {
	tables := DefaultTables()
	for _, test := range []struct{ code, wantCode, label string }{
		{"D", "D", "Définitif"},
		{"V", "V", "Temporaire dans un emploi vacant"},
		{"I", "I", "Temporaire intérimaire dans un emploi non vacant (moins de 15 semaines)"},
		{"st", "St", "Stagiaire"},
		{"-", "-", "Pas de situation principale"},
	} {
		t.Run(test.code, func(t *testing.T) {
			s, ok := tables.Situation(test.code)
			if !ok || s.Code != test.wantCode || s.Label != test.label {
				t.Errorf("Situation(%q) = %+v, %v; want %s %q", test.code, s, ok, test.wantCode, test.label)
			}
		})
	}
	if _, ok := tables.Situation("X"); ok {
		t.Error("Situation(X) found")
	}
	var codes []string
	for _, s := range tables.Situations() {
		codes = append(codes, s.Code)
	}
	if want := []string{"-", "A", "D", "I", "M", "P", "R", "S", "St", "T", "V", "Z"}; !slices.Equal(codes, want) {
		t.Errorf("Situations() codes = %q, want %q", codes, want)
	}
}

func TestExtend(t *testing.T) {
	for _, test := range []struct {
		name    string
		csv     string
		check   string // code to look up after success
		want    Function
		wantErr string
	}{
		{name: "minimal line", csv: "LOGO;Logopède;36\n", check: "LOGO",
			want: Function{Code: "LOGO", Label: "Logopède", FullTime: 36, Unit: UnitPeriods}},
		{name: "full line with header, BOM and comment",
			csv:   "\uFEFFCode;Libellé;Temps plein;Unité;Rôle extranet;Directeur;Enseignant\n# comment\nMAC;Maître de cours spéciaux;24;Périodes;enseignant;;\n",
			check: "mac", want: Function{Code: "MAC", Label: "Maître de cours spéciaux", FullTime: 24, Unit: UnitPeriods, Role: RoleEnseignant, Teaching: true}},
		{name: "role directeur implies director", csv: "SD;Sous-directeur;24;periodes;Directeur\n", check: "SD",
			want: Function{Code: "SD", Label: "Sous-directeur", FullTime: 24, Unit: UnitPeriods, Role: RoleDirecteur, Director: true}},
		{name: "override", csv: "IP;Instituteur primaire (école d'application);24;periodes;Enseignant;non;oui\n", check: "IP",
			want: Function{Code: "IP", Label: "Instituteur primaire (école d'application)", FullTime: 24, Unit: UnitPeriods, Role: RoleEnseignant, Teaching: true}},
		{name: "hours", csv: "AS;Assistant social;38;heures;;non;non\n", check: "AS",
			want: Function{Code: "AS", Label: "Assistant social", FullTime: 38, Unit: UnitHours}},
		{name: "too few fields", csv: "XX;Truc\n", wantErr: "table des fonctions, ligne 1 : 2 champs au lieu de 3 à 7"},
		{name: "bad full time", csv: "\nXX;Truc;vingt\n", wantErr: "table des fonctions, ligne 2 : temps plein « vingt » invalide"},
		{name: "zero full time", csv: "XX;Truc;0\n", wantErr: "temps plein « 0 » invalide"},
		{name: "bad unit", csv: "XX;Truc;24;minutes\n", wantErr: "unité « minutes » inconnue : periodes ou heures"},
		{name: "bad role", csv: "XX;Truc;24;periodes;Prof\n", wantErr: "ligne 1 : rôle extranet inconnu « Prof »"},
		{name: "bad flag", csv: "XX;Truc;24;periodes;;peut-être\n", wantErr: "« peut-être » n'est ni oui ni non"},
		{name: "bad code", csv: "X Y;Truc;24\n", wantErr: "code « X Y » invalide"},
		{name: "code starting with a digit", csv: "2X;Truc;24\n", wantErr: "code « 2X » invalide"},
		{name: "avec is reserved", csv: "AVEC;Truc;24\n", wantErr: "code « AVEC » invalide"},
		{name: "duplicate", csv: "XX;Truc;24\nxx;Machin;24\n", wantErr: "ligne 2 : le code « xx » figure deux fois"},
		{name: "bad quote", csv: "XX;\"Truc;24\n", wantErr: "ligne illisible"},
	} {
		t.Run(test.name, func(t *testing.T) {
			tables := DefaultTables()
			before := len(tables.Functions())
			err := tables.Extend(strings.NewReader(test.csv))
			if test.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), test.wantErr) {
					t.Fatalf("Extend error %v, want %q", err, test.wantErr)
				}
				if len(tables.Functions()) != before {
					t.Errorf("a failed Extend changed the table")
				}
				return
			}
			if err != nil {
				t.Fatalf("Extend: %v", err)
			}
			if got, ok := tables.Function(test.check); !ok || got != test.want {
				t.Errorf("Function(%q) = %+v, %v; want %+v", test.check, got, ok, test.want)
			}
		})
	}
}

func TestDefaultTablesAreCopies(t *testing.T) {
	a := DefaultTables()
	if err := a.Extend(strings.NewReader("LOGO;Logopède;36\n")); err != nil {
		t.Fatal(err)
	}
	if _, ok := DefaultTables().Function("LOGO"); ok {
		t.Error("Extend on one DefaultTables copy leaked into another")
	}
	if _, err := ParseCharge("LOGO 36/36", "", nil); err == nil {
		t.Error("Extend on a copy leaked into the tables used for nil")
	}
}

func TestLoadTables(t *testing.T) {
	tables, err := LoadTables(strings.NewReader("IP;Instituteur primaire;24\n"), strings.NewReader("D;Définitif\n-;Aucune\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tables.Functions()) != 1 || len(tables.Situations()) != 2 {
		t.Errorf("LoadTables: %d functions, %d situations", len(tables.Functions()), len(tables.Situations()))
	}
	empty, err := LoadTables(nil, nil)
	if err != nil || len(empty.Functions()) != 0 || len(empty.Situations()) != 0 {
		t.Errorf("LoadTables(nil, nil) = %v, %v", empty, err)
	}
	for _, test := range []struct{ name, situations, wantErr string }{
		{"three fields", "D;Définitif;x\n", "table des situations, ligne 1 : 3 champs au lieu de 2"},
		{"bad code", "D D;Définitif\n", "code « D D » invalide"},
		{"duplicate", "D;Définitif\nd;Autre\n", "ligne 2 : le code « d » figure deux fois"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := LoadTables(nil, strings.NewReader(test.situations))
			if err == nil || !strings.Contains(err.Error(), test.wantErr) {
				t.Errorf("LoadTables error %v, want %q", err, test.wantErr)
			}
		})
	}
}

// TestTablesConcurrent runs under -race.
func TestTablesConcurrent(t *testing.T) {
	tables := DefaultTables()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 50 {
				tables.Function("IP")
				tables.Functions()
				tables.Situation("D")
				if i == 0 {
					_ = tables.Extend(strings.NewReader("LOGO;Logopède;36\n"))
				}
			}
		})
	}
	wg.Wait()
}
