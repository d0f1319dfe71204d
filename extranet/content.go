package extranet

// The content of the portal's spaces: what the network puts before its
// teachers and directors (links, short notices), edited by operators in the
// console, for every school or one. Stored in space_items.

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Spaces and kinds of content.
const (
	SpaceTeachers  = "enseignants" // « Espace enseignants »: everyone with an active grant
	SpaceDirection = "direction"   // « Espace direction »: directors
	ItemLink       = "lien"        // a resource: title, link, short text
	ItemNotice     = "avis"        // a short notice, shown first
)

// Audit actions of the content.
const (
	AuditContentSaved   = "content.saved"
	AuditContentDeleted = "content.deleted"
)

// Limits of an item's texts, in characters.
const (
	maxItemTitle = 120
	maxItemText  = 600
	maxItemURL   = 500
)

// SpaceItem is one piece of a space's content.
type SpaceItem struct {
	ID        string
	Space     string // SpaceTeachers or SpaceDirection
	FASE      int    // 0: every school
	Kind      string // ItemLink or ItemNotice
	Title     string
	Text      string
	URL       string // a link's address (http or https); "" for a notice
	Position  int    // order in the space, smallest first
	UpdatedAt time.Time
	UpdatedBy string
}

// ContentStore reads the spaces' content; part of PortalStore.
type ContentStore interface {
	// SpaceItems lists a space's items ("" every space) for the schools
	// fases and for every school (fases nil: all items), notices first,
	// then by position and title.
	SpaceItems(ctx context.Context, space string, fases []int) ([]SpaceItem, error)
	// SpaceItem returns one item, or ErrNotFound.
	SpaceItem(ctx context.Context, id string) (SpaceItem, error)
}

// ContentTx writes the spaces' content; part of PortalTx.
type ContentTx interface {
	// SaveSpaceItem adds an item or replaces the one with its ID.
	SaveSpaceItem(ctx context.Context, it SpaceItem) error
	// DeleteSpaceItem removes an item, or returns ErrNotFound.
	DeleteSpaceItem(ctx context.Context, id string) error
}

// ItemProblems checks an item and says, in French, what to fix; nil when
// it is fine.
func ItemProblems(it SpaceItem) []string {
	var out []string
	if it.Space != SpaceTeachers && it.Space != SpaceDirection {
		out = append(out, "choisissez l'espace : enseignants ou direction")
	}
	if it.Kind != ItemLink && it.Kind != ItemNotice {
		out = append(out, "choisissez le genre : lien ou avis")
	}
	switch n := utf8.RuneCountInString(it.Title); {
	case n == 0 || !printable(it.Title):
		out = append(out, "le titre manque ou contient des caractères illisibles")
	case n > maxItemTitle:
		out = append(out, "le titre dépasse 120 caractères : raccourcissez-le")
	}
	if utf8.RuneCountInString(it.Text) > maxItemText {
		out = append(out, "le texte dépasse 600 caractères : un espace montre des avis courts, mettez le reste derrière un lien")
	}
	if it.FASE < 0 {
		out = append(out, "le numéro FASE est un nombre entier positif (ou vide pour toutes les écoles)")
	}
	if it.Kind == ItemLink || it.URL != "" {
		u, err := url.Parse(it.URL)
		if it.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(it.URL) > maxItemURL {
			out = append(out, "l'adresse du lien doit commencer par https:// (ou http://) et nommer un site")
		}
	}
	return out
}

// SaveSpaceItem adds or changes an item of a space's content, and audits
// it. A school given by FASE must be registered.
func (p *Portal) SaveSpaceItem(ctx context.Context, it SpaceItem, actor string) (SpaceItem, error) {
	it.Title, it.Text, it.URL = CleanName(it.Title), strings.TrimSpace(it.Text), strings.TrimSpace(it.URL)
	if problems := ItemProblems(it); len(problems) > 0 {
		return it, refused("%s", strings.Join(problems, " ; "))
	}
	if it.ID == "" {
		it.ID = NewID()
	}
	it.UpdatedAt, it.UpdatedBy = p.now(), actor
	err := p.Store.UpdatePortal(ctx, it.UpdatedAt, func(tx PortalTx) error {
		if it.FASE != 0 {
			if _, err := tx.LockSchool(ctx, it.FASE); errors.Is(err, ErrUnknownSchool) {
				return refused("aucune école inscrite ne porte le numéro FASE %d : laissez le champ vide pour toutes les écoles", it.FASE)
			} else if err != nil {
				return err
			}
		}
		if err := tx.SaveSpaceItem(ctx, it); err != nil {
			return err
		}
		return p.audit(ctx, tx, actor, AuditContentSaved, it.FASE, map[string]string{
			"item": it.ID, "space": it.Space, "kind": it.Kind, "title": it.Title})
	})
	return it, err
}

// DeleteSpaceItem removes an item of a space's content, and audits it.
func (p *Portal) DeleteSpaceItem(ctx context.Context, id, actor string) error {
	it, err := p.Store.SpaceItem(ctx, id)
	if err != nil {
		return err
	}
	return p.Store.UpdatePortal(ctx, p.now(), func(tx PortalTx) error {
		if err := tx.DeleteSpaceItem(ctx, id); err != nil {
			return err
		}
		return p.audit(ctx, tx, actor, AuditContentDeleted, it.FASE, map[string]string{
			"item": it.ID, "space": it.Space, "kind": it.Kind, "title": it.Title})
	})
}
