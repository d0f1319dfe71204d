package demo

import (
	"context"
	"fmt"

	"passerelle/extranet"
)

// spaceContent is what the demo's network publishes in the portal's spaces,
// as an operator would in the console's « Contenus ».
var spaceContent = []extranet.SpaceItem{
	{Space: extranet.SpaceTeachers, Kind: extranet.ItemNotice, Title: "Bienvenue sur l'extranet du réseau",
		Text: "Cet espace rassemble les ressources du réseau pour les enseignants. Vos accès, école par école, sont dans « Mes accès »."},
	{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Position: 1, Title: "Programmes et référentiels",
		URL:  "https://www.enseignement.catholique.be/",
		Text: "Les programmes de l'enseignement fondamental et secondaire, les référentiels du tronc commun et leurs outils."},
	{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Position: 2, Title: "Calendrier scolaire",
		URL:  "https://www.enseignement.be/",
		Text: "Les congés de l'année scolaire selon le calendrier de la Fédération Wallonie-Bruxelles."},
	{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Position: 3, Title: "Formations en cours de carrière",
		URL:  "https://www.ifc.cfwb.be/",
		Text: "Le catalogue des formations, et l'inscription avec l'accord de votre direction."},
	{Space: extranet.SpaceDirection, Kind: extranet.ItemNotice, Title: "Transferts vers l'extranet",
		Text: "Refaites le transfert après chaque changement dans la situation école : les accès s'ouvrent la nuit suivante, et chaque personne reçoit son invitation."},
	{Space: extranet.SpaceDirection, Kind: extranet.ItemLink, Position: 1, Title: "Circulaires administratives",
		URL:  "https://www.enseignement.be/",
		Text: "Les circulaires de la Fédération Wallonie-Bruxelles pour les directions."},
}

// SeedContent publishes the demo's content in the portal's spaces, when
// the store keeps it.
func SeedContent(ctx context.Context, svc *extranet.Service) error {
	st, ok := svc.Store.(extranet.PortalStore)
	if !ok {
		return nil
	}
	p := &extranet.Portal{Store: st, Service: svc}
	for _, it := range spaceContent {
		if _, err := p.SaveSpaceItem(ctx, it, "démo"); err != nil {
			return fmt.Errorf("démo : contenu « %s » : %w", it.Title, err)
		}
	}
	return nil
}
