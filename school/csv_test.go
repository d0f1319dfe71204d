package school_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"passerelle/fwb"
	"passerelle/school"
)

var year = fwb.SchoolYear{Start: 2026}

func parse(t *testing.T, data string) []school.ImportRow {
	t.Helper()
	rows, err := school.ParseCSV(strings.NewReader(data), nil, year)
	if err != nil {
		t.Fatalf("ParseCSV: %v", err)
	}
	return rows
}

func TestParseCSVFormats(t *testing.T) {
	win1252 := func(s string) string {
		b, err := charmap.Windows1252.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	utf16 := func(s string) string {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const semicolon = "Nom;Prénom;Fonction principale;Charge\r\nVervandier;Gaëlle;IM;IM 13/26\r\n"
	for _, test := range []struct{ name, data string }{
		{"utf-8", semicolon},
		{"utf-8 with BOM", "\uFEFF" + semicolon},
		{"windows-1252", win1252(semicolon)},
		{"utf-16 with BOM", utf16(strings.ReplaceAll(semicolon, ";", "\t"))},
		{"comma", "Nom,Prénom,Fonction principale,Charge\nVervandier,Gaëlle,IM,IM 13/26\n"},
		{"tab", "Nom\tPrénom\tFonction principale\tCharge\nVervandier\tGaëlle\tIM\tIM 13/26\n"},
		{"quoted comma", "Nom,Prénom,Fonction principale,Charge\n\"Vervandier\",\"Gaëlle\",IM,\"IM 13/26\"\n"},
		{"headers loosely written", "  NOM ; prenom;FONCTION PRINCIPALE ;charge\nVervandier;Gaëlle;IM (Instituteur Maternel);IM 13/26\n"},
		{"empty lines and extra column", "\n\nNom;Prénom;Remarque;Fonction principale;Charge\n\n;;;;\nVervandier;Gaëlle;à revoir;IM;IM 13/26\n\n"},
	} {
		t.Run(test.name, func(t *testing.T) {
			rows := parse(t, test.data)
			if len(rows) != 1 {
				t.Fatalf("%d rows, want 1", len(rows))
			}
			r := rows[0].Row
			if r.Member.LastName != "Vervandier" || r.Member.FirstName != "Gaëlle" || r.Situation.Function != "IM" ||
				!slices.Equal(r.Situation.Charge, []fwb.ChargeLine{{Code: "IM", Periods: 13, FullTime: 26}}) {
				t.Errorf("row = %+v", r)
			}
		})
	}
}

func TestParseCSVValues(t *testing.T) {
	data := "Nom;Prenom;Date de naissance;Sexe;Numéro national (NISS);Matricule ministériel;E-mail (École);E-mail privé;" +
		"Fonction principale;Fonction de promotion;Situation principale;Charge;Présent;Actif;Date de début;Date de fin;Rôle extranet\n" +
		// line 2: everything given, NISS with separators
		"Meuran;Clara;18/05/1981;F;81.05.18-256.67;28105180150; Clara.Meuran@Ecole.be ;c@example.be;IP;non;D;IP 24/24, CN -24/24;x;oui;1/9/2005;2027-06-30;enseignante\n" +
		// line 3: defaults, birth date and sex from the NISS
		"Milord;Remy;;;67031502481;;remy.milord@ecole.be;;D;oui;;D 24/24;;;;;\n" +
		// line 4: invalid numbers, like the demo data's, are kept; Présent empty follows Actif non
		"Vervandier;Gaëlle;25/07/1989;;890725;;;;IM;;V;;;non;;;\n" +
		"Brocar;Pascale;;;88407140254;;;;ME;;;;;;;;\n"
	rows := parse(t, data)
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	clara, remy, gaelle, pascale := rows[0], rows[1], rows[2], rows[3]
	for _, test := range []struct {
		name      string
		got, want any
	}{
		{"lines", []int{clara.Line, remy.Line, gaelle.Line, pascale.Line}, []int{2, 3, 4, 5}},
		{"clara member", clara.Row.Member, school.Member{LastName: "Meuran", FirstName: "Clara", BirthDate: day(1981, 5, 18), Sex: fwb.SexFemale,
			NISS: "81051825667", Matricule: "28105180150", SchoolEmail: "clara.meuran@ecole.be", PrivateEmail: "c@example.be"}},
		{"clara situation", clara.Row.Situation.Start.String() + clara.Row.Situation.End.String() + fwb.FormatCharge(clara.Row.Situation.Charge) + string(clara.Row.Situation.Role),
			day(2005, 9, 1).String() + day(2027, 6, 30).String() + "IP 24/24, CN -24/24Enseignant"},
		{"clara flags", []bool{clara.Row.Situation.Present, clara.Row.Situation.Active, clara.Row.Situation.Promotion}, []bool{true, true, false}},
		{"remy derived", remy.Row.Member.BirthDate.String() + remy.Row.Member.Sex.String(), day(1967, 3, 15).String() + "F"},
		{"remy defaults", []any{remy.Row.Situation.Start, remy.Row.Situation.Present, remy.Row.Situation.Active, remy.Row.Situation.Promotion, remy.Row.Situation.Status, remy.Row.Situation.Role},
			[]any{year.FirstDay(), true, true, true, "-", fwb.RoleNone}},
		{"gaelle", []any{gaelle.Row.Member.NISS, gaelle.Row.Member.BirthDate, gaelle.Row.Situation.Active, gaelle.Row.Situation.Present},
			[]any{"890725", day(1989, 7, 25), false, false}},
		{"pascale", []any{pascale.Row.Member.NISS, pascale.Row.Member.BirthDate.IsZero()}, []any{"88407140254", true}},
		{"given without empty defaults", remy.Given[school.FieldStart] || remy.Given[school.FieldActive] || remy.Given[school.FieldPresent] || !remy.Given[school.FieldEnd] || !remy.Given[school.FieldRole], false},
		{"given with values", clara.Given[school.FieldStart] && clara.Given[school.FieldActive] && clara.Given[school.FieldPresent], true},
	} {
		t.Run(test.name, func(t *testing.T) {
			if fmt.Sprint(test.got) != fmt.Sprint(test.want) {
				t.Errorf("got %+v\nwant %+v", test.got, test.want)
			}
		})
	}
}

func TestParseCSVErrors(t *testing.T) {
	for _, test := range []struct {
		name string
		data string
		want []string
	}{
		{"every problem of every row",
			"Nom;Prénom;Date de Début;Actif;Fonction principale;E-mail école;Numéro national;Charge\n" +
				"Ludo;Guy;31/02/2026;oui;IP;guy.ludo@ecole.be;;\n" +
				"\n" +
				";Olaf;01/09/2026;peut-être;XX;olaf@;85082701546;\n" +
				"Walter;Olaf;;;IP;;8,50827E+10;IP 12,5/24\n",
			[]string{
				"ligne 2, colonne Date de Début : la date 31/02/2026 n'existe pas : vérifiez le jour et le mois",
				"ligne 4, colonne Actif : « peut-être » n'est ni oui ni non : écrivez oui ou non (ou laissez vide)",
				"ligne 4, colonne Nom : nom de famille manquant : encodez-le",
				"ligne 4, colonne E-mail école : adresse e-mail « olaf@ » invalide : il manque le domaine après le @ (ex. ecole.be)",
				"ligne 4, colonne Fonction principale : fonction « XX » inconnue : choisissez l'un des codes D, DA, DC, ED, IM, IP, ME, ML, MM, MP, MPC, MR, MU, PROF-I, PROF-S, PU, SE",
				"ligne 5, colonne Charge : charge « IP 12,5/24 » : une charge compte des périodes entières, sans virgule décimale ; arrondissez, par exemple « IP 12/24 »",
				"ligne 5, colonne Numéro national : le numéro national « 8,50827E+10 » ne peut contenir que des chiffres : retirez « , » (le tableur l'a pris pour un nombre : mettez la colonne au format texte et recopiez les numéros)",
			}},
		{"names the extranet would refuse",
			"Nom;Prénom;Fonction principale\n" +
				"Lu\u0001do;Guy;IP\n" +
				"---;Olaf;IP\n" +
				"\u0301;Rose;IP\n" +
				"Ma\uFFFDnfroid;Rose;IP\n" +
				"\u200b;Eve;IP\n" +
				"\u202eWalter;Olaf;IP\n" +
				"Daniel;\u200b\u200b;IP\n",
			[]string{
				"ligne 2, colonne Nom : nom illisible (caractère de contrôle, invisible ou invalide) : retapez-le",
				"ligne 3, colonne Nom : nom sans lettre : écrivez-le en lettres",
				"ligne 4, colonne Nom : nom sans lettre : écrivez-le en lettres",
				"ligne 5, colonne Nom : nom illisible (caractère de contrôle, invisible ou invalide) : retapez-le",
				"ligne 6, colonne Nom : nom illisible (caractère de contrôle, invisible ou invalide) : retapez-le",
				"ligne 7, colonne Nom : nom illisible (caractère de contrôle, invisible ou invalide) : retapez-le",
				"ligne 8, colonne Prénom : prénom illisible (caractère de contrôle, invisible ou invalide) : retapez-le",
			}},
		{"missing columns",
			"Name;Prenom;Fonction\nLudo;Guy;IP\n",
			[]string{
				"ligne 1, colonne Nom : colonne obligatoire absente : ajoutez-la à la première ligne (colonnes obligatoires : Nom, Prénom, Fonction principale)",
			}},
		{"column twice",
			"Nom;Prénom;Fonction;Fonction principale\nLudo;Guy;IP;IP\n",
			[]string{"ligne 1, colonne Fonction principale : colonne en double (déjà lue sous « Fonction ») : gardez-en une seule"}},
		{"too many values",
			"Nom;Prénom;Fonction\nLudo;Guy;IP;;x\n",
			[]string{"ligne 2 : 5 valeurs pour 3 colonnes d'en-tête : retirez les valeurs en trop ou donnez un nom à leur colonne"}},
		{"same person twice",
			"Nom;Prénom;Fonction;Matricule;Date de naissance\nLudo;Guy;IP;18503190123;\nLUDO;Guy;IP;;\nLudo;Guy;IP;18503190123;\nLudo;Gùy;IP;;\n",
			[]string{
				// No birth date on either line: names alone recognise them.
				"ligne 3, colonne Nom : mêmes nom, prénom et date de naissance qu'à la ligne 2 : gardez une seule ligne par membre du personnel",
				"ligne 4, colonne Matricule : même matricule qu'à la ligne 2 : gardez une seule ligne par membre du personnel",
				"ligne 5, colonne Nom : mêmes nom, prénom et date de naissance qu'à la ligne 2 : gardez une seule ligne par membre du personnel",
			}},
		{"same names, other birth dates",
			"Nom;Prénom;Fonction;Date de naissance\nLudo;Guy;IP;19/03/1985\nLudo;Guy;IP;19/03/1986\n", nil},
		{"empty file", "", []string{"ligne 1 : fichier vide : la première ligne doit porter les noms des colonnes, par exemple Nom;Prénom;Fonction principale"}},
		{"header only", "Nom;Prénom;Fonction\r\n", []string{"ligne 2 : aucun membre du personnel sous l'en-tête : ajoutez une ligne par membre"}},
		{"workbook", "PK\x03\x04rest", []string{"ligne 1 : ce fichier est un classeur (.xlsx ou .ods), pas un CSV : dans le tableur, « Enregistrer sous » CSV (séparateur point-virgule), puis importez ce fichier .csv"}},
		{"open quote", "Nom;Prénom;Fonction\nLudo;\"Guy;IP\nWalter;Olaf;ME\n", []string{"ligne 2, colonne Prénom : valeur sur plusieurs lignes (guillemet ouvert sans guillemet fermant ?) : corrigez les guillemets de cette ligne"}},
		{"open quote in an ignored column", "Nom;Prénom;Fonction;Note\nLudo;Guy;IP;\"a\nWalter;Olaf;ME;\n", []string{"ligne 2 : valeur sur plusieurs lignes (guillemet ouvert sans guillemet fermant ?) : corrigez les guillemets de cette ligne"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			rows, err := school.ParseCSV(strings.NewReader(test.data), nil, year)
			if test.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ie *school.ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseCSV = %v, %v; want an *ImportError", rows, err)
			}
			if rows != nil {
				t.Errorf("rows returned with the error: %v", rows)
			}
			got := strings.Split(ie.Error(), "\n")
			if !slices.Equal(got, test.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(test.want, "\n"))
			}
		})
	}
}
