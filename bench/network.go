package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/wire"
)

// NetworkConfig describes a synthetic network of schools.
type NetworkConfig struct {
	// Schools is the number of schools.
	Schools int
	// Staff is the number of staff members each school sends.
	Staff int
	// Shared is the share of each school's staff who are people of another
	// school: they hold two grants, one per school, under one account. At
	// most 0.5, since each person is shared with one other school at most.
	Shared float64
	// Seed makes the network: the same seed gives the same network.
	Seed uint64
	// SchoolYear is the year of the snapshots, e.g. "2026-2027"; the
	// current one when empty.
	SchoolYear string
	// FirstFASE is the FASE number of the first school, the others
	// following; DefaultFirstFASE when zero.
	FirstFASE int
}

// DefaultFirstFASE is the FASE number of the first synthetic school.
const DefaultFirstFASE = 10001

// matriculeShare is the share of persons the schools send with a matricule;
// the others are recognised by names and birth date.
const matriculeShare = 0.85

// Person is someone of the synthetic network.
type Person struct {
	LastName, FirstName string
	BirthDate           string // YYYY-MM-DD
	Matricule           string // 11 digits, or "" for a person sent without
}

// Member is a person as one school sends them.
type Member struct {
	Person *Person
	Email  string
	Role   string // "Enseignant" or "Directeur"
}

// School is one synthetic school and its current staff.
type School struct {
	FASE    int
	Name    string
	Domain  string
	Members []Member
	// emails holds the addresses given so far in this school, so that a
	// new one never repeats an old one, even of someone who left.
	emails map[string]bool
}

// Network is a generated network. Its schools' Members are what the next
// snapshot of each school holds; Churn changes them.
type Network struct {
	Config  NetworkConfig
	Schools []*School
	// Persons lists every person ever generated, arrivals included.
	Persons []*Person
	// SharedPersons counts the persons who work in two schools.
	SharedPersons int

	rng     *rand.Rand
	keys    map[string]bool // identity keys given
	matSeq  map[string]int  // last sequence number given per matricule prefix
	churned int
}

// Validate checks the configuration; messages are English, as the flags.
func (c NetworkConfig) Validate() error {
	switch {
	case c.Schools < 1:
		return fmt.Errorf("--schools %d: at least one school", c.Schools)
	case c.Staff < 2:
		return fmt.Errorf("--staff %d: at least two staff per school", c.Staff)
	case c.Shared < 0 || c.Shared > 0.5 || math.IsNaN(c.Shared):
		return fmt.Errorf("--shared %g: a share between 0 and 0.5", c.Shared)
	}
	return nil
}

// SharedPerSchool is how many of a school's staff are people of another
// school.
func (c NetworkConfig) SharedPerSchool() int {
	if c.Schools < 2 {
		return 0
	}
	return int(math.Round(c.Shared * float64(c.Staff)))
}

// Generate builds the network of cfg. It is deterministic: the same
// configuration gives the same people, e-mails and roles.
func Generate(cfg NetworkConfig) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.SchoolYear == "" {
		cfg.SchoolYear = fwb.SchoolYearAt(time.Now().In(frtext.Brussels)).String()
	}
	n := &Network{
		Config: cfg,
		rng:    rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)),
		keys:   map[string]bool{},
		matSeq: map[string]int{},
	}
	borrowed := cfg.SharedPerSchool()
	own := cfg.Staff - borrowed
	if cfg.FirstFASE <= 0 {
		cfg.FirstFASE = DefaultFirstFASE
	}
	for i := range cfg.Schools {
		fase := cfg.FirstFASE + i
		s := &School{
			FASE:   fase,
			Name:   fmt.Sprintf("École fondamentale n° %d", fase),
			Domain: fmt.Sprintf("ecole%d.be", fase),
			emails: map[string]bool{},
		}
		for k := range own {
			role := "Enseignant"
			if k == 0 || n.rng.IntN(40) == 0 {
				role = "Directeur"
			}
			n.addMember(s, n.newPerson(), role)
		}
		n.Schools = append(n.Schools, s)
	}
	// Each school takes people of other schools, each person being taken
	// once at most, so that they work in exactly two schools.
	taken := make([][]bool, cfg.Schools)
	for i := range taken {
		taken[i] = make([]bool, own)
	}
	for i, s := range n.Schools {
		for range borrowed {
			j, k := n.pickShared(i, own, taken)
			taken[j][k] = true
			n.addMember(s, n.Schools[j].Members[k].Person, "Enseignant")
			n.SharedPersons++
		}
	}
	for _, s := range n.Schools {
		n.rng.Shuffle(len(s.Members), func(a, b int) { s.Members[a], s.Members[b] = s.Members[b], s.Members[a] })
	}
	return n, nil
}

// pickShared returns a person of another school than i, at index k of
// school j's own staff, that no school has taken yet.
func (n *Network) pickShared(i, own int, taken [][]bool) (j, k int) {
	schools := len(n.Schools)
	for range 64 {
		j = (i + 1 + n.rng.IntN(schools-1)) % schools
		k = n.rng.IntN(own)
		if !taken[j][k] {
			return j, k
		}
	}
	// Rare: most of the candidates drawn were taken. Walk from the next
	// school on, which always finds one while shared ≤ 0.5.
	for d := 1; d < schools; d++ {
		j = (i + d) % schools
		for k = range own {
			if !taken[j][k] {
				return j, k
			}
		}
	}
	panic("bench: no person left to share") // excluded by Validate
}

// newPerson makes a person whose identity key is not taken yet, so that
// two persons of the network are never one for the extranet.
func (n *Network) newPerson() *Person {
	for {
		female := n.rng.IntN(2) == 0
		first := firstNamesM[n.rng.IntN(len(firstNamesM))]
		if female {
			first = firstNamesF[n.rng.IntN(len(firstNamesF))]
		}
		last := lastNames[n.rng.IntN(len(lastNames))]
		year := 1960 + n.rng.IntN(41)
		month := 1 + n.rng.IntN(12)
		day := 1 + n.rng.IntN(28)
		birth := fmt.Sprintf("%04d-%02d-%02d", year, month, day)
		key := extranet.IdentityKey(last, first, birth)
		if n.keys[key] {
			continue
		}
		n.keys[key] = true
		p := &Person{LastName: last, FirstName: first, BirthDate: birth}
		if n.rng.Float64() < matriculeShare {
			// 1 (man) or 2 (woman), the birth date YYMMDD, and a sequence
			// number that keeps matricules unique.
			sex := 1
			if female {
				sex = 2
			}
			prefix := fmt.Sprintf("%d%02d%02d%02d", sex, year%100, month, day)
			n.matSeq[prefix]++
			p.Matricule = fmt.Sprintf("%s%04d", prefix, n.matSeq[prefix])
		}
		n.Persons = append(n.Persons, p)
		return p
	}
}

// addMember adds p to school s with a school e-mail of its own.
func (n *Network) addMember(s *School, p *Person, role string) {
	s.Members = append(s.Members, Member{Person: p, Email: n.newEmail(s, p), Role: role})
}

// newEmail returns prenom.nom@domain, with a number when taken in s.
func (n *Network) newEmail(s *School, p *Person) string {
	local := frtext.LoginPart(p.FirstName) + "." + frtext.LoginPart(p.LastName)
	email := local + "@" + s.Domain
	for k := 2; s.emails[email]; k++ {
		email = fmt.Sprintf("%s%d@%s", local, k, s.Domain)
	}
	s.emails[email] = true
	return email
}

// Snapshot returns what school s sends now.
func (n *Network) Snapshot(s *School) wire.Snapshot {
	staff := make([]wire.StaffEntry, len(s.Members))
	for i, m := range s.Members {
		staff[i] = wire.StaffEntry{
			LastName: m.Person.LastName, FirstName: m.Person.FirstName, BirthDate: m.Person.BirthDate,
			Matricule: m.Person.Matricule, Email: m.Email, Role: m.Role,
		}
	}
	return wire.Snapshot{SchoolYear: n.Config.SchoolYear, Staff: staff}
}

// Snapshots returns every school's snapshot, in the order of Schools.
func (n *Network) Snapshots() []wire.Snapshot {
	out := make([]wire.Snapshot, len(n.Schools))
	for i, s := range n.Schools {
		out[i] = n.Snapshot(s)
	}
	return out
}

// Records counts the staff entries of the current snapshots.
func (n *Network) Records() int {
	total := 0
	for _, s := range n.Schools {
		total += len(s.Members)
	}
	return total
}

// maxDepartures bounds a school's departures in one churn: below the
// guard's GuardMin, so that no churn transfer is held.
const maxDepartures = 2

// Churn makes a few changes in every school, as the weeks after the
// September rush bring: role changes, new school e-mails, arrivals and
// departures (at most maxDepartures, within the guard). It returns, per
// school, the counts that the extranet must answer for the new snapshot.
// Each call gives different changes.
func (n *Network) Churn() []wire.Counts {
	n.churned++
	out := make([]wire.Counts, len(n.Schools))
	for i, s := range n.Schools {
		roles := n.rng.IntN(3)
		emails := n.rng.IntN(3)
		arrivals := n.rng.IntN(3)
		departures := n.rng.IntN(maxDepartures + 1)
		if roles+emails+arrivals+departures == 0 {
			roles = 1
		}
		// Never empty a school, nor change one member twice.
		departures = min(departures, len(s.Members)-1)
		changed := min(roles+emails, len(s.Members)-departures)
		roles = min(roles, changed)
		emails = changed - roles
		perm := n.rng.Perm(len(s.Members))
		for _, k := range perm[:roles] {
			m := &s.Members[k]
			if m.Role == "Directeur" {
				m.Role = "Enseignant"
			} else {
				m.Role = "Directeur"
			}
		}
		for _, k := range perm[roles : roles+emails] {
			m := &s.Members[k]
			m.Email = n.newEmail(s, m.Person)
		}
		gone := map[int]bool{}
		for _, k := range perm[roles+emails : roles+emails+departures] {
			gone[k] = true
		}
		kept := s.Members[:0:0]
		for k, m := range s.Members {
			if !gone[k] {
				kept = append(kept, m)
			}
		}
		s.Members = kept
		for range arrivals {
			n.addMember(s, n.newPerson(), "Enseignant")
		}
		out[i] = wire.Counts{
			Created: arrivals, Modified: roles + emails, Deactivated: departures,
			Unchanged: len(s.Members) - arrivals - roles - emails,
		}
	}
	return out
}

// personKey identifies a person of the network in what the extranet
// stores: by matricule when sent with one, else by names and birth date.
func personKey(matricule, last, first, birth string) string {
	if matricule != "" {
		return "m:" + matricule
	}
	return "k:" + extranet.IdentityKey(last, first, birth)
}

// String summarises the network for the terminal.
func (n *Network) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d schools × %d staff, %d persons (%d in two schools), school year %s, seed %d",
		len(n.Schools), n.Config.Staff, len(n.Persons), n.SharedPersons, n.Config.SchoolYear, n.Config.Seed)
	return b.String()
}
